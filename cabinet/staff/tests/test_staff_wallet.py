"""Staff with the permission adjust a client's balance or points with a reason (a goodwill
credit, a correction); never below zero; others cannot; another tenant's client is 404."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.wallet.models import LedgerEntry, Wallet
from cabinet.wallet.services import wallet_top_up
from rbac.models import AuditEntry, User
from rbac.roles import role_set
from tests.factories import UserFactory


def browser_for(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        wallet_top_up(client=client, amount=Decimal("20.00"))
        return client


@pytest.fixture
def owner(hotel):
    with tenant_context(hotel):
        return User.objects.get(email="owner@hotel.example.com")


def wallet(hotel, client) -> Wallet:
    with tenant_context(hotel):
        return Wallet.objects.get(client=client)


def test_a_goodwill_credit_and_a_points_correction_are_recorded(hotel, guest, owner):
    desk = browser_for(hotel, owner)
    assert "€20.00" in desk.get(f"/staff/clients/{guest.pk}/").content.decode()
    data = {"account": "balance", "amount": "10", "reason": "cold breakfast"}
    assert desk.post(f"/staff/clients/{guest.pk}/wallet/", data).status_code == 302
    desk.post(f"/staff/clients/{guest.pk}/wallet/",
              {"account": "points", "amount": "150", "reason": "birthday"})  # fmt: skip
    after = wallet(hotel, guest)
    assert (after.balance, after.points) == (Decimal("30.00"), 150)
    with tenant_context(hotel):
        entry = LedgerEntry.objects.get(client=guest, kind="adjust", account="balance")
        assert entry.note == "cold breakfast"
        assert AuditEntry.objects.filter(action="wallet.adjusted").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [({"account": "balance", "amount": "-25", "reason": "mistake"}, "too low"),
     ({"account": "balance", "amount": "5", "reason": ""}, "Say why"),
     ({"account": "balance", "amount": "abc", "reason": "x y z"}, "as a number"),
     ({"account": "balance", "amount": "NaN", "reason": "x y z"}, "as a number"),
     ({"account": "balance", "amount": "1e9", "reason": "x y z"}, "at most"),
     ({"account": "balance", "amount": "0", "reason": "x y z"}, "non-zero"),
     ({"account": "points", "amount": "1.5", "reason": "x y z"}, "whole numbers"),
     ({"account": "bitcoin", "amount": "5", "reason": "x y z"}, "balance or points")],
)  # fmt: skip
def test_bad_adjustments_are_refused_and_nothing_changes(hotel, guest, owner, data, message):
    desk = browser_for(hotel, owner)
    page = desk.post(f"/staff/clients/{guest.pk}/wallet/", data, follow=True).content.decode()
    assert message in page
    after = wallet(hotel, guest)
    assert (after.balance, after.points) == (Decimal("20.00"), 0)


def test_staff_without_the_permission_or_of_another_tenant_cannot(hotel, shop, guest):
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role="operator")
    data = {"account": "balance", "amount": "100", "reason": "for me"}
    assert (
        browser_for(hotel, operator).post(f"/staff/clients/{guest.pk}/wallet/", data).status_code
        == 403
    )
    with tenant_context(shop):
        shop_owner = User.objects.get(email="owner@shop.example.com")
    response = browser_for(shop, shop_owner).post(f"/staff/clients/{guest.pk}/wallet/", data)
    assert response.status_code == 404
    assert wallet(hotel, guest).balance == Decimal("20.00")
