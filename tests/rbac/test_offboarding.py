"""Offboarding: one audited action switches a staff member off — every session, token, key and
second factor at once — hands their clients and open work to a colleague or a team and frees
their seat; they can come back, their history stays theirs; nobody deactivates the owner."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from billing.models import Subscription
from cabinet.accounts.models import Assignment, ClientProfile
from cabinet.staff.services import client_assign
from cabinet.work.models import RequestType, WorkRequest
from rbac.models import ApiKey, AuditEntry, StaffProfile, Team, User
from rbac.roles import role_set
from rbac.services import OffboardingRefused, staff_deactivate, staff_reactivate
from tests.factories import PASSWORD, UserFactory


def staff(name: str, team: Team | None = None) -> User:
    user = UserFactory(email=f"{name}@hotel.example.com", full_name=name.title(), is_staff=True)
    role_set(user=user, role=StaffProfile.Role.OPERATOR, team_id=team.pk if team else None)
    return user


def as_(hotel, user: User) -> Client:
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(user)
    return browser


def signed_in(hotel, email: str) -> Client:
    """A real sign-in through allauth's page: a session it tracks, as in life."""
    browser = Client(HTTP_HOST="hotel.localhost")
    response = browser.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert browser.get("/staff/").status_code == 200
    return browser


@pytest.fixture
def owner(hotel) -> User:
    with tenant_context(hotel):
        return User.objects.get(email="owner@hotel.example.com")


def current(client: ClientProfile) -> User | None:
    found = Assignment.objects.filter(client=client, ended_at__isnull=True).first()
    return found.staff if found else None


def open_item(client: ClientProfile, assignee: User) -> WorkRequest:
    kind = RequestType.objects.get_or_create(name="Late check-out")[0]
    return WorkRequest.objects.create(
        type=kind, client=client, title="Late check-out", assignee=assignee,
        status=WorkRequest.Status.IN_PROGRESS, due_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip


def test_deactivating_ends_every_way_in_hands_work_over_and_keeps_history(hotel, owner):
    # given Maria, signed in twice (a tracked sign-in and another session), with a DRF token,
    # an API key, a TOTP authenticator, two clients and an open request; and her colleague Ivan
    with tenant_context(hotel):
        maria, ivan = staff("maria"), staff("ivan")
        guests = [ClientProfile.objects.create(user=UserFactory()) for _ in range(2)]
        for guest in guests:
            client_assign(client=guest, staff=maria, by=owner)
        item = open_item(guests[0], maria)
        done = open_item(guests[1], maria)
        WorkRequest.objects.filter(pk=done.pk).update(status=WorkRequest.Status.DONE)
        Token.objects.create(user=maria)
        ApiKey.objects.create(name="PMS", prefix="abc123", secret_hash="0" * 64, created_by=maria)
        AuditEntry.objects.create(actor=maria, actor_label=maria.email, action="request.taken")
    live = signed_in(hotel, "maria@hotel.example.com")
    other = as_(hotel, maria)
    with tenant_context(hotel):
        Authenticator.objects.create(user=maria, type=Authenticator.Type.TOTP, data={"secret": "X"})
        assert UserSession.objects.filter(user=maria).exists()
    # when the owner deactivates her, handing her work to Ivan
    response = as_(hotel, owner).post(
        f"/staff/team/{maria.pk}/deactivate/", {"to": f"staff:{ivan.pk}", "reason": "Left"}
    )
    # then every session of hers is dead at her next request
    assert response.status_code == 302
    assert live.get("/staff/").status_code == 302
    assert other.get("/staff/").status_code == 302
    with tenant_context(hotel):
        maria.refresh_from_db()
        assert not maria.is_active
        live_keys = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
        assert str(maria.pk) not in live_keys
        assert not UserSession.objects.filter(user=maria).exists()
        # tokens, keys and second factors are gone
        assert not Token.objects.filter(user=maria).exists()
        assert ApiKey.objects.get(prefix="abc123").revoked_at is not None
        assert not Authenticator.objects.filter(user=maria).exists()
        # her clients and her open request are Ivan's; the closed one stays hers
        assert all(current(guest) == ivan for guest in guests)
        assert WorkRequest.objects.get(pk=item.pk).assignee == ivan
        assert WorkRequest.objects.get(pk=done.pk).assignee == maria
        # one audited action, with each step; her own history still names her
        summary = AuditEntry.objects.get(action="staff.offboarded")
        assert (summary.actor, summary.target_id) == (owner, str(maria.pk))
        assert (summary.changes["clients"], summary.changes["work"]) == (2, 1)
        assert (summary.changes["tokens"], summary.changes["authenticators"]) == (1, 1)
        assert summary.changes["sessions"] >= 2
        assert AuditEntry.objects.filter(action="staff.deactivated", reason="Left").exists()
        assert AuditEntry.objects.filter(action="request.reassigned").count() == 1
        assert AuditEntry.objects.get(action="request.taken").actor == maria
    # and her password no longer opens anything
    again = Client(HTTP_HOST="hotel.localhost")
    again.post("/accounts/login/", {"login": "maria@hotel.example.com", "password": PASSWORD})
    assert again.get("/staff/").status_code == 302


def test_handing_over_to_a_team_spreads_clients_and_work_over_its_members(hotel, owner):
    with tenant_context(hotel):
        team = Team.objects.create(name="Desk")
        leaving = staff("leaving", team=team)
        one, two = staff("one", team=team), staff("two", team=team)
        guests = [ClientProfile.objects.create(user=UserFactory()) for _ in range(4)]
        for guest in guests:
            client_assign(client=guest, staff=leaving, by=owner)
        open_item(guests[0], leaving)
    as_(hotel, owner).post(f"/staff/team/{leaving.pk}/deactivate/", {"to": f"team:{team.pk}"})
    with tenant_context(hotel):
        heirs = [current(guest) for guest in guests]
        assert sorted(h.email for h in heirs) == sorted([one.email, two.email] * 2)
        assert WorkRequest.objects.get().assignee in (one, two)


def test_nobody_deactivates_the_owner_nor_themselves(hotel, owner):
    with tenant_context(hotel):
        admin = staff("admin")
        role_set(user=admin, role=StaffProfile.Role.ADMIN)
        with pytest.raises(OffboardingRefused), transaction.atomic():
            staff_deactivate(member=owner, by=admin)
        with pytest.raises(OffboardingRefused), transaction.atomic():
            staff_deactivate(member=admin, by=admin)
    # the page has no such action for the owner, and staff other than the owner get a 403
    browser = as_(hotel, owner)
    assert browser.get(f"/staff/team/{owner.pk}/deactivate/").status_code == 404
    assert (
        as_(hotel, admin)
        .post(f"/staff/team/{owner.pk}/deactivate/", {"to": f"staff:{admin.pk}"})
        .status_code
        == 403
    )
    with tenant_context(hotel):
        owner.refresh_from_db()
        assert owner.is_active


def test_a_failed_hand_over_deactivates_nobody(hotel, owner):
    # given a team with nobody else in it
    with tenant_context(hotel):
        team = Team.objects.create(name="Alone")
        alone = staff("alone", team=team)
        client_assign(client=ClientProfile.objects.create(user=UserFactory()), staff=alone,
                      by=owner)  # fmt: skip
    response = as_(hotel, owner).post(
        f"/staff/team/{alone.pk}/deactivate/", {"to": f"team:{team.pk}"}
    )
    assert response.status_code == 400
    assert "no active member" in response.content.decode()
    with tenant_context(hotel):
        alone.refresh_from_db()
        assert alone.is_active


def test_the_seat_is_freed_and_coming_back_needs_one(hotel, owner):
    # given the plan after the trial: 2 staff seats, the owner and Maria hold them
    with tenant_context(hotel):
        maria, ivan = staff("maria"), None
    Subscription.objects.filter(tenant=hotel).delete()
    browser = as_(hotel, owner)
    refused = browser.post("/staff/team/invite/", {"email": "new@staff.example.com"}, follow=True)
    assert "limit" in refused.content.decode()
    # when Maria leaves, her seat takes the invitation
    with tenant_context(hotel):
        ivan = User.objects.get(pk=owner.pk)  # the owner takes her (non-existent) work
    browser.post(f"/staff/team/{maria.pk}/deactivate/", {"to": f"staff:{ivan.pk}"})
    browser.post("/staff/team/invite/", {"email": "new@staff.example.com"})
    with tenant_context(hotel):
        from rbac.models import StaffInvitation

        assert StaffInvitation.objects.filter(email="new@staff.example.com").exists()
        # then she cannot come back while the seat is promised, and can once it is free
        with pytest.raises(ValidationError):
            staff_reactivate(member=maria, by=owner)
        StaffInvitation.objects.update(revoked_at=timezone.now())
    response = browser.post(f"/staff/team/{maria.pk}/reactivate/", follow=True)
    assert "is back" in response.content.decode()
    with tenant_context(hotel):
        maria.refresh_from_db()
        assert maria.is_active
        assert AuditEntry.objects.filter(
            action="staff.reactivated", target_id=str(maria.pk)
        ).exists()
    assert as_(hotel, maria).get("/staff/").status_code == 200


def test_reactivating_someone_active_or_unknown_is_404(hotel, owner):
    with tenant_context(hotel):
        maria = staff("maria")
    browser = as_(hotel, owner)
    assert browser.post(f"/staff/team/{maria.pk}/reactivate/").status_code == 404
    assert browser.post("/staff/team/999999/reactivate/").status_code == 404
