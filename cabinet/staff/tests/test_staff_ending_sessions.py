"""Administrators end sessions (ASVS 7.4.5; docs/security.md): the owner signs a staff member
out, staff with the permission sign a client out, the owner signs everyone out, and a platform
admin signs everyone out of one cabinet. Nobody is deactivated; everything is audited; sessions
live in each cabinet's own schema, so the same user id elsewhere is never touched."""

import itertools

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from cabinet.accounts.models import ClientProfile
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import custom_role_save, role_set
from tenants.models import Tenant, TenantEvent
from tests.conftest import host_of
from tests.control.test_control_panel import make_admin
from tests.factories import PASSWORD, UserFactory

_keys = itertools.count(930_001)  # far above the session's own rows; explicit keys collide


def browser(tenant: Tenant, user: User) -> Client:
    client = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        client.force_login(user)
    return client


def signed_in(tenant: Tenant, client: Client) -> bool:
    return client.get("/account/").status_code == 200


def owner_of(tenant: Tenant) -> User:
    with tenant_context(tenant):
        return User.objects.get(email=f"owner@{tenant.slug}.example.com")


def staff_member(role: str = StaffProfile.Role.OPERATOR, **fields) -> User:
    user = UserFactory(is_staff=True, **fields)
    role_set(user=user, role=role)
    return user


def a_client(pk: int | None = None) -> ClientProfile:
    user = UserFactory(**({"pk": pk} if pk else {}))
    return ClientProfile.objects.create(user=user)


def test_the_owner_signs_a_staff_member_out_without_deactivating_them(hotel):
    # given: an operator signed in on two devices, with an API token
    with tenant_context(hotel):
        operator = staff_member()
        Token.objects.create(user=operator)
    owner = browser(hotel, owner_of(hotel))
    desk, phone = browser(hotel, operator), browser(hotel, operator)
    assert (
        f'action="/staff/team/{operator.pk}/sign-out/"'
        in owner.get("/staff/team/").content.decode()
    )

    # when: the owner signs them out of every device
    response = owner.post(f"/staff/team/{operator.pk}/sign-out/", follow=True)

    # then: both devices and the token are out, the owner stays in, and it is audited
    assert "is signed out of 2 sessions" in response.content.decode()
    assert not signed_in(hotel, desk)
    assert not signed_in(hotel, phone)
    assert signed_in(hotel, owner)
    with tenant_context(hotel):
        operator.refresh_from_db()
        assert operator.is_active
        assert not Token.objects.filter(user=operator).exists()
        entry = AuditEntry.objects.get(action="sessions.ended", target_id=str(operator.pk))
        assert entry.changes == {"sessions": 2, "tokens": 1}
    # and they can sign in again
    again = Client(HTTP_HOST="hotel.localhost")
    assert (
        again.post("/accounts/login/", {"login": operator.email, "password": PASSWORD}).status_code
        == 302
    )


def test_only_the_owner_signs_staff_out(hotel):
    with tenant_context(hotel):
        admin = staff_member(StaffProfile.Role.ADMIN)
        operator = staff_member()
    desk = browser(hotel, operator)
    response = browser(hotel, admin).post(f"/staff/team/{operator.pk}/sign-out/")
    assert response.status_code == 403
    assert signed_in(hotel, desk)
    # the owner's own row, and an id that is nobody's, are 404
    owner = browser(hotel, owner_of(hotel))
    assert owner.post(f"/staff/team/{owner_of(hotel).pk}/sign-out/").status_code == 404
    assert owner.post("/staff/team/987654321/sign-out/").status_code == 404


def test_staff_with_the_permission_sign_a_client_out(hotel):
    # given: a client on two devices; an admin (the role has the permission) and an operator
    with tenant_context(hotel):
        client = a_client()
        Token.objects.create(user=client.user)
        admin = staff_member(StaffProfile.Role.ADMIN)
        operator = staff_member()
    phone, laptop = browser(hotel, client.user), browser(hotel, client.user)
    admin_browser = browser(hotel, admin)
    card = admin_browser.get(f"/staff/clients/{client.pk}/").content.decode()
    assert f'action="/staff/clients/{client.pk}/sign-out/"' in card

    # when: the operator (no permission) tries, then the admin does it
    refused = browser(hotel, operator).post(f"/staff/clients/{client.pk}/sign-out/")
    assert refused.status_code == 403
    assert signed_in(hotel, phone)
    done = admin_browser.post(f"/staff/clients/{client.pk}/sign-out/")

    # then: the client is out everywhere, still active, and it is audited with who did it
    assert done.status_code == 302
    assert not signed_in(hotel, phone)
    assert not signed_in(hotel, laptop)
    with tenant_context(hotel):
        client.user.refresh_from_db()
        assert client.user.is_active
        assert not Token.objects.filter(user=client.user).exists()
        assert AuditEntry.objects.filter(action="sessions.ended", actor=admin,
                                         target_id=str(client.user.pk)).exists()  # fmt: skip


def test_a_custom_role_gets_the_ability_from_the_role_editor(hotel):
    with tenant_context(hotel):
        abilities = ["See every client", "Sign a client out of every device"]
        group = custom_role_save(name="Support", abilities=abilities)
        support = UserFactory(is_staff=True)
        role_set(user=support, role=StaffProfile.Role.CUSTOM, custom=group)
        client = a_client()
    owner = browser(hotel, owner_of(hotel))
    assert "Sign a client out of every device" in owner.get("/staff/roles/").content.decode()
    phone = browser(hotel, client.user)
    assert browser(hotel, support).post(f"/staff/clients/{client.pk}/sign-out/").status_code == 302
    assert not signed_in(hotel, phone)


def test_a_client_outside_ones_scope_is_404(hotel):
    with tenant_context(hotel):
        client = a_client()
        manager = staff_member(StaffProfile.Role.MANAGER)  # sees only their team's clients
    phone = browser(hotel, client.user)
    assert browser(hotel, manager).post(f"/staff/clients/{client.pk}/sign-out/").status_code == 404
    assert browser(hotel, manager).post("/staff/clients/x/sign-out/").status_code == 404
    assert signed_in(hotel, phone)


def test_the_owner_signs_everyone_out_after_confirming(hotel):
    # given: a client, a staff member and the owner, all signed in, with tokens
    with tenant_context(hotel):
        client = a_client()
        operator = staff_member()
        Token.objects.create(user=client.user)
    phone, desk = browser(hotel, client.user), browser(hotel, operator)
    owner = browser(hotel, owner_of(hotel))
    assert (
        'action="/staff/security/sign-everyone-out/"'
        in owner.get("/staff/security/").content.decode()
    )

    # when: the owner asks without ticking the confirmation
    refused = owner.post("/staff/security/sign-everyone-out/")

    # then: a 400 that says why, and nobody is out
    assert refused.status_code == 400
    assert "Tick the box to confirm" in refused.content.decode()
    assert signed_in(hotel, phone)

    # when: they confirm
    owner.post("/staff/security/sign-everyone-out/", {"confirm": "yes"})

    # then: everyone but the owner here is out, tokens too; audited
    assert not signed_in(hotel, phone)
    assert not signed_in(hotel, desk)
    assert signed_in(hotel, owner)
    with tenant_context(hotel):
        assert not Token.objects.exists()
        assert AuditEntry.objects.filter(
            action="sessions.ended_all", actor=owner_of(hotel)
        ).exists()


def test_only_the_owner_signs_everyone_out(hotel):
    with tenant_context(hotel):
        admin = staff_member(StaffProfile.Role.ADMIN)
    response = browser(hotel, admin).post("/staff/security/sign-everyone-out/", {"confirm": "yes"})
    assert response.status_code == 403


@pytest.mark.parametrize("how", ["one person", "everyone"])
def test_one_cabinets_action_never_ends_another_cabinets_sessions(hotel, shop, how):
    # given: a hotel client and a shop client with the same user id, both signed in
    pk = next(_keys)
    with tenant_context(hotel):
        hotel_guest = a_client(pk)
    with tenant_context(shop):
        shop_customer = a_client(pk)
    assert hotel_guest.user.pk == shop_customer.user.pk
    hotel_phone, shop_phone = browser(hotel, hotel_guest.user), browser(shop, shop_customer.user)
    shop_owner = browser(shop, owner_of(shop))

    # when: the hotel's owner signs their client (or everyone) out
    owner = browser(hotel, owner_of(hotel))
    if how == "one person":
        owner.post(f"/staff/clients/{hotel_guest.pk}/sign-out/")
    else:
        owner.post("/staff/security/sign-everyone-out/", {"confirm": "yes"})

    # then: the hotel's client is out; the shop's twin and owner are untouched
    assert not signed_in(hotel, hotel_phone)
    assert signed_in(shop, shop_phone)
    assert signed_in(shop, shop_owner)


def test_a_platform_admin_signs_everyone_out_of_one_cabinet(hotel, shop, platform_client):
    # given: people signed in to hotel and to shop
    with tenant_context(hotel):
        guest = a_client()
    with tenant_context(shop):
        customer = a_client()
    hotel_phone, shop_phone = browser(hotel, guest.user), browser(shop, customer.user)
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    page = platform_client.get(f"/control/tenants/{hotel.pk}/").content.decode()
    assert f'action="/control/tenants/{hotel.pk}/sign-out/"' in page

    # when: without a reason, then with one
    refused = platform_client.post(f"/control/tenants/{hotel.pk}/sign-out/", {"reason": " "})
    assert refused.status_code == 400
    assert signed_in(hotel, hotel_phone)
    done = platform_client.post(f"/control/tenants/{hotel.pk}/sign-out/",
                                {"reason": "owner reports a leaked password"})  # fmt: skip

    # then: hotel's sessions end, shop's do not, and both trails say who and why
    assert done.status_code == 302
    assert not signed_in(hotel, hotel_phone)
    assert signed_in(shop, shop_phone)
    event = TenantEvent.objects.get(tenant=hotel, kind=TenantEvent.Kind.SIGN_OUT)
    assert (event.actor_label, event.reason) == (admin.email, "owner reports a leaked password")
    with tenant_context(hotel):
        entry = AuditEntry.objects.get(action="sessions.ended_all")
        assert entry.actor_label == f"platform: {admin.email}"
    assert platform_client.get("/control/").status_code == 200  # the admin's own session stays
