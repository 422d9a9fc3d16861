"""Bonus points expire after the cabinet's number of months, oldest first: what was earned
before the cut-off and not used up since is taken back, once."""

import datetime as dt

import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.orders.models import Order
from cabinet.wallet.models import LedgerEntry, Wallet
from cabinet.wallet.services import _apply, points_expire, points_grant
from rbac.models import SecurityPolicy
from tests.factories import UserFactory


def points(client) -> int:
    return Wallet.objects.get(client=client).points


def test_unused_old_points_expire_once_and_recent_ones_stay(hotel):
    long_ago = timezone.now() - dt.timedelta(days=400)
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        with time_machine.travel(long_ago):
            points_grant(client=client, points=100, note="old")
        _apply(client=client, account=LedgerEntry.Account.POINTS, kind=LedgerEntry.Kind.REDEEM,
               amount=-30)  # fmt: skip
        points_grant(client=client, points=50, note="recent")
        assert points(client) == 120
        assert points_expire() == 1
        assert points(client) == 50  # 100 old − 30 spent = 70 expired; the recent 50 stay
        (entry,) = LedgerEntry.objects.filter(client=client, kind="expire")
        assert entry.amount == -70
        assert points_expire() == 0  # nothing more, however often it runs
        assert points(client) == 50


def test_points_spent_beyond_the_old_ones_leave_nothing_to_expire(hotel):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        with time_machine.travel(timezone.now() - dt.timedelta(days=400)):
            points_grant(client=client, points=100)
        points_grant(client=client, points=100)
        _apply(client=client, account=LedgerEntry.Account.POINTS, kind=LedgerEntry.Kind.REDEEM,
               amount=-150)  # fmt: skip
        assert points_expire() == 0
        assert points(client) == 50


def test_a_cabinet_can_keep_points_forever(hotel):
    with tenant_context(hotel):
        SecurityPolicy.objects.update_or_create(defaults={"points_expire_months": 0})
        client = ClientProfile.objects.create(user=UserFactory())
        with time_machine.travel(timezone.now() - dt.timedelta(days=4000)):
            points_grant(client=client, points=100)
        assert points_expire() == 0
        assert points(client) == 100


def test_only_points_expire_never_the_balance(hotel):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        with time_machine.travel(timezone.now() - dt.timedelta(days=400)):
            from cabinet.wallet.services import wallet_top_up

            wallet_top_up(client=client, amount=100)
        points_expire()
        assert Wallet.objects.get(client=client).balance == 100
        assert not Order.objects.exists()


def test_the_owner_sets_the_expiry_and_absurd_values_are_refused(hotel, hotel_client):
    from rbac.models import User

    with tenant_context(hotel):
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))
    base = {"registration": "open", "idle_timeout_minutes": "15", "inactive_client_days": "365",
            "audit_retention_days": "730", "booking_reminder_hours": "18"}  # fmt: skip
    for bad in ("-1", "121", "abc", "1e6"):
        response = hotel_client.post("/staff/security/", {**base, "points_expire_months": bad})
        assert response.status_code == 400
    response = hotel_client.post("/staff/security/", {**base, "points_expire_months": "24"})
    assert response.status_code == 302
    with tenant_context(hotel):
        assert SecurityPolicy.objects.get().points_expire_months == 24
