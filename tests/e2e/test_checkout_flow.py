"""Issue 20's walk-through on a phone (375 px), in English and Russian: a Gold guest books a
25.00 excursion through the checkout, sees the Gold discount as its own line, redeems an offer
code, pays from the balance, cancels and sees the money back on the balance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.orders.models import Order
from cabinet.wallet.models import LedgerEntry, Offer, Wallet
from cabinet.wallet.services import wallet_top_up
from rbac.services import client_create
from tests.conftest import host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "excursion by the sea"


@pytest.fixture
def gold_guest(module_tenant, django_db_blocker):
    """A guest who spent 500 (Gold, 5 %), 100.00 on the balance, an excursion and a code."""
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        stamp = dt.datetime.now().timestamp()
        email = f"gold{stamp}@guest.example.com"
        user = client_create(email=email, password=PASSWORD, full_name="Gus Gold",
                             email_verified=True)  # fmt: skip
        client = ClientProfile.objects.create(user=user)
        wallet_top_up(client=client, amount=Decimal("100.00"))
        Order.objects.create(client=client, status="done", payment="on_site", subtotal=500,
                             total=500, submission_key=f"history-{stamp}")  # fmt: skip
        start = timezone.now() + dt.timedelta(days=3)
        trip = Event.objects.create(title=f"Sea excursion {int(stamp)}", price=Decimal("25.00"),
                                    starts_at=start, ends_at=start + dt.timedelta(hours=4),
                                    capacity=12, location="Pier 3")  # fmt: skip
        code = f"SEA{int(stamp) % 100000}"
        Offer.objects.create(title="Sea lovers", client=client, code=code,
                             discount_amount=Decimal("3.00"),
                             valid_until=timezone.now() + dt.timedelta(days=10))  # fmt: skip
    return email, client, trip, code


def sign_in(phone, base: str, email: str) -> None:
    phone.goto(base + "/accounts/login/")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()


def fits(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_gold_guest_pays_an_excursion_with_a_code_and_gets_it_back(
    module_tenant, gold_guest, live_port, phone, django_db_blocker
):
    email, client, trip, code = gold_guest
    base = f"http://{host_of(module_tenant)}:{live_port}"
    sign_in(phone, base, email)
    # the offer and its code are on the loyalty page
    phone.goto(base + "/loyalty/")
    assert code in phone.locator(".offer-code").inner_text()
    fits(phone)
    screenshot(phone, "checkout-0-loyalty")
    # book two places: the checkout, not a booking, comes first
    phone.goto(base + "/events/")
    card = phone.locator("article.card").filter(has_text=trip.title)
    card.get_by_label("places").fill("2")
    card.get_by_role("button", name="Book").click()
    assert "/checkout/" in phone.url
    lines = phone.locator(".checkout-lines").inner_text()
    assert "€50.00" in lines
    assert "Gold discount, 5 %" in lines
    assert "-€2.50" in lines
    fits(phone)
    screenshot(phone, "checkout-1-review")
    # the code
    phone.get_by_label("Offer or promo code").fill(code.lower())
    phone.get_by_role("button", name="Apply").click()
    assert "The code is applied." in phone.locator(".flash").inner_text()
    lines = phone.locator(".checkout-lines").inner_text()
    assert "Sea lovers" in lines
    assert "€44.50" in lines
    fits(phone)
    screenshot(phone, "checkout-2-code-redeemed")
    phone.get_by_role("button", name="Confirm and pay €44.50").click()
    assert "/bookings/" in phone.url
    fits(phone)
    screenshot(phone, "checkout-3-booked")
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        assert Wallet.objects.get(client=client).balance == Decimal("55.50")
    # cancel: the money goes back to the balance
    phone.get_by_role("button", name="Cancel booking").click()
    assert "€44.50 refunded" in phone.content()
    screenshot(phone, "checkout-4-refunded")
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        assert Booking.objects.get(client=client).status == "cancelled"
        assert Wallet.objects.get(client=client).balance == Decimal("100.00")
        assert LedgerEntry.objects.filter(client=client, kind="refund").count() == 1
    # the same checkout in Russian, with a short balance
    phone.goto(base + "/")
    phone.locator("button[name=language][value=ru]").click()
    phone.goto(base + "/events/")
    card = phone.locator("article.card").filter(has_text=trip.title)
    card.locator("input[name=seats]").fill("5")
    card.locator("button[type=submit]").first.click()
    assert "/checkout/" in phone.url
    page = phone.content()
    assert "Скидка уровня Gold, 5 %" in page
    assert "К оплате" in page
    fits(phone)
    screenshot(phone, "checkout-5-review-ru")
