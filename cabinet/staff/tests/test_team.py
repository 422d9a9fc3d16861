import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from billing.models import Subscription
from rbac.models import AuditEntry, SecurityPolicy, StaffInvitation, User
from tests.factories import UserFactory

PASSPHRASE = "joining the team today"


@pytest.fixture
def owner_client(hotel, hotel_client, eager_tasks):
    with tenant_context(hotel):
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))
    return hotel_client


def invite(client: Client, capture, email: str = "anna@staff.example.com") -> str:
    with capture(execute=True):
        client.post("/staff/team/invite/", {"email": email, "full_name": "Anna"})
    (message,) = [m for m in mail.outbox if email in m.to]
    (link,) = re.findall(r"http://[^\s]+/staff/join/[^\s/]+/", message.body)
    return "/" + link.split("/", 3)[3]


def test_the_owner_invites_and_the_invitee_joins_once(
    hotel, owner_client, django_capture_on_commit_callbacks
):
    path = invite(owner_client, django_capture_on_commit_callbacks)
    invitee = Client(HTTP_HOST="hotel.localhost")
    assert invitee.get(path).status_code == 200
    response = invitee.post(path, {"full_name": "Anna Staff", "password": PASSPHRASE})
    assert response.status_code == 302
    assert invitee.get("/staff/").status_code == 200
    with tenant_context(hotel):
        anna = User.objects.get(email="anna@staff.example.com")
        assert anna.is_staff
        assert not anna.is_superuser
        assert AuditEntry.objects.filter(action="staff.joined", actor=anna).exists()
    # the link works once
    assert Client(HTTP_HOST="hotel.localhost").get(path).status_code == 400


def test_an_invitation_link_is_useless_on_another_tenant(
    shop, owner_client, django_capture_on_commit_callbacks
):
    path = invite(owner_client, django_capture_on_commit_callbacks)
    assert Client(HTTP_HOST="shop.localhost").get(path).status_code == 400
    with tenant_context(shop):
        assert not User.objects.filter(email="anna@staff.example.com").exists()


def test_an_invitation_expires(owner_client, django_capture_on_commit_callbacks):
    path = invite(owner_client, django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=4)):
        response = Client(HTTP_HOST="hotel.localhost").post(path, {"password": PASSPHRASE})
    assert response.status_code == 400


def test_a_revoked_invitation_stops_working(
    hotel, owner_client, django_capture_on_commit_callbacks
):
    path = invite(owner_client, django_capture_on_commit_callbacks)
    with tenant_context(hotel):
        invitation = StaffInvitation.objects.get()
    owner_client.post(f"/staff/team/invitations/{invitation.pk}/revoke/")
    assert Client(HTTP_HOST="hotel.localhost").get(path).status_code == 400


def test_a_weak_password_is_refused_on_joining(owner_client, django_capture_on_commit_callbacks):
    path = invite(owner_client, django_capture_on_commit_callbacks)
    response = Client(HTTP_HOST="hotel.localhost").post(path, {"password": "123"})
    assert response.status_code == 400
    assert Client(HTTP_HOST="hotel.localhost").get(path).status_code == 200  # still usable


@pytest.mark.parametrize("token", ["x", "A" * 500, "../../etc", "%00"])
def test_forged_invitation_tokens_are_400(hotel_client, token):
    assert hotel_client.get(f"/staff/join/{token}/").status_code in (400, 404)


def test_there_is_no_staff_self_registration(hotel, hotel_client):
    hotel_client.post(
        "/accounts/signup/", {"email": "sneaky@example.com", "password1": "a long passphrase x"}
    )
    with tenant_context(hotel):
        assert not User.objects.filter(email="sneaky@example.com", is_staff=True).exists()


def test_only_the_owner_invites(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=True))
    assert hotel_client.post("/staff/team/invite/", {"email": "x@example.com"}).status_code == 403


def test_the_owner_sets_the_security_policy_and_it_is_enforced(hotel, owner_client):
    response = owner_client.post(
        "/staff/security/",
        {
            "registration": "invitation",
            "idle_timeout_minutes": "30",
            "require_staff_mfa": "on",
            "inactive_client_days": "365",
            "audit_retention_days": "730",
            "booking_reminder_hours": "24",
        },
    )
    assert response.status_code == 302
    with tenant_context(hotel):
        policy = SecurityPolicy.objects.get()
        assert (policy.registration, policy.idle_timeout_minutes) == ("invitation", 30)
        assert policy.booking_reminder_hours == 24
        assert AuditEntry.objects.filter(action="security_policy.updated").exists()
        clerk = UserFactory(is_staff=True)
    # staff without a second factor are sent to set one up
    other = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        other.force_login(clerk)
    assert other.get("/staff/")["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize(
    ("field", "value"),
    [("idle_timeout_minutes", v) for v in ("0", "1", "99999", "abc", "-5")]
    + [("booking_reminder_hours", v) for v in ("-1", "169", "1e9", "soon")],
)
def test_absurd_policy_values_are_refused(hotel, owner_client, field, value):
    sane = {
        "registration": "open",
        "idle_timeout_minutes": "15",
        "inactive_client_days": "365",
        "audit_retention_days": "730",
        "booking_reminder_hours": "18",
    }
    response = owner_client.post("/staff/security/", {**sane, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {field}  # the error sits by its field only
    assert 'class="field-error"' in response.content.decode()
    with tenant_context(hotel):
        assert not SecurityPolicy.objects.exists()


def test_inviting_beyond_the_plans_staff_seats_is_refused_with_an_upgrade_hint(hotel, owner_client):
    # after the trial, the default plan has 2 staff seats; the owner holds one
    Subscription.objects.filter(tenant=hotel).delete()
    owner_client.post("/staff/team/invite/", {"email": "one@staff.example.com"})
    response = owner_client.post(
        "/staff/team/invite/", {"email": "two@staff.example.com"}, follow=True
    )
    assert "limit" in response.content.decode()
    with tenant_context(hotel):
        assert StaffInvitation.objects.filter(email="two@staff.example.com").count() == 0
        assert StaffInvitation.objects.filter(email="one@staff.example.com").count() == 1


def test_the_owner_composes_a_role_and_it_decides_what_a_member_sees(hotel, owner_client):
    from cabinet.accounts.models import ClientProfile
    from rbac.models import StaffProfile
    from rbac.roles import custom_roles, role_set

    owner_client.post(
        "/staff/roles/",
        {"name": "Concierge", "abilities": ["See every client", "Export the client list"]},
    )
    with tenant_context(hotel):
        (concierge,) = custom_roles()
        member = UserFactory(is_staff=True)
        role_set(user=member, role="operator")
        ClientProfile.objects.create(user=UserFactory(full_name="Somebody Unassigned"))
    member_client = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        member_client.force_login(member)
    assert "Somebody Unassigned" not in member_client.get("/staff/clients/").content.decode()
    owner_client.post(
        f"/staff/team/{member.pk}/role/",
        {"role": f"custom:{concierge.pk}", "read_quota_per_hour": "100"},
    )
    with tenant_context(hotel):
        assert StaffProfile.objects.get(user=member).custom_role_id == concierge.pk
        member_client.force_login(User.objects.get(pk=member.pk))
    assert "Somebody Unassigned" in member_client.get("/staff/clients/").content.decode()
    # nonsense is refused
    owner_client.post("/staff/roles/", {"name": "", "abilities": ["Fly"]})
    owner_client.post(f"/staff/team/{member.pk}/role/", {"role": "custom:999999"})
    with tenant_context(hotel):
        assert len(custom_roles()) == 1
