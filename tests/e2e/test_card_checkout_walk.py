"""Issue 20's walk by card, on a phone (375 px): a guest books a 25.00 excursion by card on the
business's own Stripe account (the fake's hosted page, with 3-D Secure), comes back booked,
cancels, and sees the refund go back to the card — at Stripe and in their ledger; the review
page in Russian offers the card too."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import PaymentAccount
from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.wallet.models import LedgerEntry
from rbac.services import client_create
from tests.conftest import host_of
from tests.e2e.conftest import screenshot
from tests.support.fake_stripe import fake_stripe

pytestmark = pytest.mark.e2e

PASSWORD = "paid by card at sea"


@pytest.fixture
def card_business(module_tenant, settings, django_db_blocker):
    """The tenant's connected Stripe account (onboarded, can charge) at a fake Stripe."""
    with fake_stripe() as fake:
        settings.STRIPE_API_KEY = "sk_test_kabinet"
        settings.STRIPE_API_BASE = fake.url
        account = fake.post_accounts({"business_profile": {"name": module_tenant.name}})
        account["charges_enabled"] = True
        with django_db_blocker.unblock():
            PaymentAccount.objects.create(
                tenant=module_tenant, stripe_account=account["id"], charges_enabled=True
            )
        try:
            yield fake
        finally:
            with django_db_blocker.unblock():
                PaymentAccount.objects.filter(tenant=module_tenant).delete()


@pytest.fixture
def card_guest(module_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        stamp = int(dt.datetime.now().timestamp())
        email = f"card{stamp}@guest.example.com"
        user = client_create(email=email, password=PASSWORD, full_name="Cara Card",
                             email_verified=True)  # fmt: skip
        client = ClientProfile.objects.create(user=user)
        start = timezone.now() + dt.timedelta(days=4)
        trip = Event.objects.create(title=f"Lighthouse walk {stamp}", price=Decimal("25.00"),
                                    starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                    capacity=12, location="Pier 1")  # fmt: skip
    return email, client, trip


def fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_guest_books_an_excursion_by_card_and_gets_the_refund_on_the_card(
    module_tenant, card_business, card_guest, live_port, phone, eager_tasks, django_db_blocker
):
    email, client, trip = card_guest
    base = f"http://{host_of(module_tenant)}:{live_port}"
    phone.goto(base + "/accounts/login/")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    # the review offers the card (the balance is empty), with the consent box unticked
    phone.goto(base + "/events/")
    phone.locator("article.card").filter(has_text=trip.title).get_by_role(
        "button", name="Book"
    ).click()
    assert "/checkout/" in phone.url
    assert phone.locator("input[name=payment][value=card]").is_checked()
    assert not phone.locator("input[name=save_card]").is_checked()
    fits(phone)
    screenshot(phone, "card-1-review")
    phone.get_by_role("button", name="Confirm and pay €25.00").click()
    # Stripe's page, on the business's account: a card that asks for 3-D Secure
    assert "/pay/cs_" in phone.url
    assert "25.00 EUR" in phone.content()
    fits(phone)
    screenshot(phone, "card-2-stripe-page")
    phone.get_by_role("button", name="Test card needing 3-D Secure (4000 0027 6000 3184)").click()
    assert "Your bank asks you to confirm" in phone.content()
    screenshot(phone, "card-3-three-d-secure")
    phone.get_by_role("button", name="Complete authentication").click()
    # back in the cabinet, booked: the payment was read from Stripe on the return
    assert "/bookings/" in phone.url
    assert f"Booked: {trip.title}." in phone.content()
    fits(phone)
    screenshot(phone, "card-4-booked")
    # cancel: the money goes back to the card
    phone.get_by_role("button", name="Cancel booking").click()
    assert "€25.00 refunded to your card" in phone.content()
    screenshot(phone, "card-5-refunded")
    (refund,) = card_business.of_kind("refund")
    assert refund["amount"] == 2500
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        assert Booking.objects.get(client=client).status == "cancelled"
        card = LedgerEntry.objects.filter(client=client, account="card")
        assert sorted((e.kind, e.amount) for e in card) == [
            ("refund", Decimal("25.00")), ("spend", Decimal("-25.00")),
        ]  # fmt: skip
    phone.goto(base + "/wallet/")
    assert "Refund · by card" in phone.locator("table").inner_text()
    fits(phone)
    screenshot(phone, "card-6-wallet")
    # the same in Russian: the review offers the card and asks before saving it
    phone.goto(base + "/")
    phone.locator("button[name=language][value=ru]").click()
    phone.goto(base + "/events/")
    phone.locator("article.card").filter(has_text=trip.title).locator(
        "button[type=submit]"
    ).first.click()
    page = phone.content()
    assert "Картой" in page
    assert "Сохранить мою карту" in page
    assert phone.locator("#topup-amount").input_value() == "25.00"  # not "25,00": a number field
    fits(phone)
    screenshot(phone, "card-7-review-ru")
