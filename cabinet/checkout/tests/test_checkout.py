"""One checkout for everything priced: the review shows lines, discounts and what is payable
before "Confirm"; a refused payment keeps the cart; a paid event is paid; refunds go back the
way the money came, in part or in full, each in the ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.models import Checkout
from cabinet.checkout.placing import checkout_confirm
from cabinet.checkout.services import checkout_open_booking, checkout_open_order, checkout_refund
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.wallet.models import LedgerEntry, LoyaltySettings, Wallet
from cabinet.wallet.services import points_grant, wallet_top_up
from rbac.models import User
from rbac.roles import role_set
from tests.factories import UserFactory


def signed_in(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory(email="greta@hotel.example.com"))
        wallet_top_up(client=client, amount=Decimal("100.00"))
        return client


def champagne() -> CatalogItem:
    return CatalogItem.objects.get(name="Bottle of champagne")


def excursion(price: str = "25.00", hours: int = 48, capacity: int = 10, **extra) -> Event:
    start = timezone.now() + dt.timedelta(hours=hours)
    return Event.objects.create(title="Boat trip", starts_at=start, ends_at=start +
                                dt.timedelta(hours=3), price=Decimal(price), capacity=capacity,
                                **extra)  # fmt: skip


def ledger_matches_wallet(client: ClientProfile) -> bool:
    wallet = Wallet.objects.get(client=client)
    entries = LedgerEntry.objects.filter(client=client)
    balance = sum((e.amount for e in entries if e.account == "balance"), Decimal(0))
    points = sum((e.amount for e in entries if e.account == "points"), Decimal(0))
    return balance == wallet.balance and points == wallet.points


# --- The review page -----------------------------------------------------------------------


def test_the_review_shows_lines_and_total_and_confirming_pays_from_the_balance(hotel, guest):
    # given a guest with 100.00 on their balance
    browser = signed_in(hotel, guest.user)
    with tenant_context(hotel):
        item = champagne()
    # when they put two bottles in the cart
    review = browser.post("/orders/review/", {f"qty-{item.pk}": "2", "payment": "balance"})
    page = review.content.decode()
    # then the review shows the line, the total and the ways to pay before anything is paid
    assert "2 × Bottle of champagne" in page
    assert "€90.00" in page
    assert 'value="balance" checked' in page
    token = review.context["checkout"].token
    with tenant_context(hotel):
        assert not Order.objects.exists()
    # when they confirm
    done = browser.post(f"/checkout/{token}/pay/", {"payment": "balance"})
    again = browser.post(f"/checkout/{token}/pay/", {"payment": "balance"})
    # then it is paid once, and the order page is where they land
    with tenant_context(hotel):
        order = Order.objects.get(client=guest)
        assert done["Location"] == again["Location"] == f"/orders/{order.pk}/"
        assert order.total == Decimal("90.00")
        assert Wallet.objects.get(client=guest).balance == Decimal("10.00")
        entry = LedgerEntry.objects.get(client=guest, kind="spend")
        assert entry.checkout.order == order
        assert entry.amount == Decimal("-90.00")
        assert ledger_matches_wallet(guest)


def test_a_short_balance_is_said_before_confirming_with_a_top_up_that_comes_back(
    hotel, guest, monkeypatch
):
    # given card payments on, and a cart of 135.00 against a balance of 100.00
    from billing import payments

    monkeypatch.setattr(payments, "card_payments_enabled", lambda tenant: True)
    browser = signed_in(hotel, guest.user)
    with tenant_context(hotel):
        item = champagne()
    review = browser.post("/orders/review/", {f"qty-{item.pk}": "3", "payment": "balance"})
    page = review.content.decode()
    # then the review says so and offers a top-up of what is missing, coming back here
    assert "€35.00 short" in page
    token = review.context["checkout"].token
    assert f'name="next" value="/checkout/{token}/"' in page
    assert 'name="amount"' in page
    assert 'value="35.00"' in page
    # when the top-up starts, Checkout is told to come back to this checkout
    seen = {}

    def fake_start(**kwargs):
        seen.update(kwargs)
        return "https://checkout.stripe.test/s"

    monkeypatch.setattr(payments, "topup_start", fake_start)
    started = browser.post("/wallet/top-up/", {"amount": "35.00", "next": f"/checkout/{token}/"})
    assert started["Location"] == "https://checkout.stripe.test/s"
    assert f"next=%2Fcheckout%2F{token}%2F" in seen["success_url"]
    assert seen["cancel_url"].endswith(f"/checkout/{token}/")
    # and the return lands on the checkout again, the cart as it was
    monkeypatch.setattr(payments, "topup_sync", lambda **kw: None)
    back = browser.get(f"/wallet/top-up/done/?session=cs_1&next=/checkout/{token}/")
    assert back["Location"] == f"/checkout/{token}/"
    assert "3 × Bottle of champagne" in browser.get(back["Location"]).content.decode()
    # and a foreign next is not followed
    away = browser.get("/wallet/top-up/done/?session=cs_1&next=https://evil.example/")
    assert away["Location"] == "/wallet/"


def test_a_refused_payment_keeps_the_cart_and_takes_nothing(hotel, guest):
    # given a cart the balance cannot pay
    browser = signed_in(hotel, guest.user)
    with tenant_context(hotel):
        item = champagne()
    review = browser.post("/orders/review/", {f"qty-{item.pk}": "3", "payment": "balance"})
    token = review.context["checkout"].token
    # when they confirm anyway (the balance is greyed out; a crafted post)
    refused = browser.post(f"/checkout/{token}/pay/", {"payment": "balance"}, follow=True)
    # then they are back on the same checkout, told why, the cart intact
    assert refused.redirect_chain[-1][0] == f"/checkout/{token}/"
    page = refused.content.decode()
    assert "too low" in page
    assert "3 × Bottle of champagne" in page
    with tenant_context(hotel):
        assert not Order.objects.exists()
        assert Wallet.objects.get(client=guest).balance == Decimal("100.00")
        assert Checkout.objects.get(token=token).status == "open"
    # and the older one-step form keeps the cart too
    key = "one-step"
    old = browser.post("/orders/place/", {f"qty-{item.pk}": "3", "payment": "balance",
                                          "submission_key": key})  # fmt: skip
    assert old["Location"].startswith("/checkout/")
    assert "3 × Bottle of champagne" in browser.get(old["Location"]).content.decode()


@pytest.mark.parametrize(
    "data",
    [{"payment": "bitcoin"}, {"payment": ""}, {"payment": "on_site", "total": "0"}],
)
def test_bad_confirmations_are_refused_in_words(hotel, guest, data):
    browser = signed_in(hotel, guest.user)
    with tenant_context(hotel):
        checkout = checkout_open_order(client=guest, wanted={champagne().pk: 1})
    response = browser.post(f"/checkout/{checkout.token}/pay/", data, follow=True)
    assert response.status_code == 200
    with tenant_context(hotel):
        if data["payment"] == "on_site":  # prices in the request are ignored, not obeyed
            assert Order.objects.get(client=guest).total == Decimal("45.00")
        else:
            assert "Choose how to pay" in response.content.decode()
            assert not Order.objects.exists()


def test_another_clients_checkout_is_404_and_staff_get_403(hotel, guest):
    with tenant_context(hotel):
        checkout = checkout_open_order(client=guest, wanted={champagne().pk: 1})
        other = UserFactory()
        ClientProfile.objects.create(user=other)
        owner = User.objects.get(email="owner@hotel.example.com")
    snoop = signed_in(hotel, other)
    assert snoop.get(f"/checkout/{checkout.token}/").status_code == 404
    assert snoop.post(f"/checkout/{checkout.token}/pay/", {"payment": "on_site"}).status_code == 404
    assert signed_in(hotel, owner).get(f"/checkout/{checkout.token}/").status_code == 403
    anonymous = Client(HTTP_HOST="hotel.localhost")
    assert anonymous.get(f"/checkout/{checkout.token}/").status_code == 302
    assert signed_in(hotel, guest.user).get("/checkout/not-a-token/").status_code == 404
    with tenant_context(hotel):
        assert not Order.objects.exists()


def test_points_pay_and_on_site_only_where_the_owner_allows_it(hotel, guest):
    # given 500 points and an owner who turned paying on site off
    with tenant_context(hotel):
        points_grant(client=guest, points=500)
        LoyaltySettings.objects.create(on_site_allowed=False)
        checkout = checkout_open_order(client=guest, wanted={champagne().pk: 1})
    browser = signed_in(hotel, guest.user)
    page = browser.get(f"/checkout/{checkout.token}/").content.decode()
    # then "on site" is not offered and cannot be forced
    assert 'value="on_site"' not in page
    assert "450 of your 500 points" in page
    browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "on_site"})
    with tenant_context(hotel):
        assert not Order.objects.exists()
    # when they pay with points
    browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "points"})
    with tenant_context(hotel):
        assert Wallet.objects.get(client=guest).points == 50
        assert Order.objects.get(client=guest).payment == "points"
        assert ledger_matches_wallet(guest)


# --- Paid events ---------------------------------------------------------------------------


def test_a_paid_excursion_is_paid_before_it_is_booked_and_refunded_when_cancelled(hotel, guest):
    # given a 25.00 excursion
    with tenant_context(hotel):
        trip = excursion()
    browser = signed_in(hotel, guest.user)
    # when the guest books two places
    response = browser.post(f"/events/{trip.pk}/book/", {"seats": "2"})
    # then there is no booking yet, only a checkout showing 50.00
    assert response["Location"].startswith("/checkout/")
    with tenant_context(hotel):
        assert not Booking.objects.exists()
    page = browser.get(response["Location"]).content.decode()
    assert "2 × Boat trip" in page
    assert "€50.00" in page
    # when they pay from the balance
    paid = browser.post(response["Location"] + "pay/", {"payment": "balance"})
    with tenant_context(hotel):
        booking = Booking.objects.get(client=guest)
        assert paid["Location"] == f"/bookings/{booking.pk}/"
        assert booking.status == "confirmed"
        assert booking.seats == 2
        assert Wallet.objects.get(client=guest).balance == Decimal("50.00")
    # when they cancel in time
    browser.post(f"/bookings/{booking.pk}/cancel/")
    # then the money is back on the balance, as a refund in the ledger
    with tenant_context(hotel):
        assert Wallet.objects.get(client=guest).balance == Decimal("100.00")
        refund = LedgerEntry.objects.get(client=guest, kind="refund")
        assert refund.amount == Decimal("50.00")
        assert refund.checkout.booking_id == booking.pk
        assert Checkout.objects.get(booking=booking).status == "refunded"
        assert ledger_matches_wallet(guest)


def test_a_free_event_is_still_booked_in_one_tap(hotel, guest):
    with tenant_context(hotel):
        party = excursion(price="0")
    response = signed_in(hotel, guest.user).post(f"/events/{party.pk}/book/", {"seats": "1"})
    assert response["Location"] == "/events/"
    with tenant_context(hotel):
        assert Booking.objects.get(client=guest).status == "confirmed"
        assert not Checkout.objects.exists()


def test_too_late_to_cancel_keeps_the_booking_and_the_money(hotel, guest):
    with tenant_context(hotel):
        trip = excursion(hours=1, cutoff_minutes=10, cancel_window_minutes=120)
        checkout = checkout_open_booking(client=guest, event=trip, seats=1)
        booking = checkout_confirm(checkout=checkout, payment="balance").booking
    signed_in(hotel, guest.user).post(f"/bookings/{booking.pk}/cancel/")
    with tenant_context(hotel):
        assert Booking.objects.get(pk=booking.pk).status == "confirmed"
        assert Wallet.objects.get(client=guest).balance == Decimal("75.00")


def test_a_sold_out_event_refuses_at_confirming_and_takes_nothing(hotel, guest):
    with tenant_context(hotel):
        trip = excursion(capacity=1)
        checkout = checkout_open_booking(client=guest, event=trip, seats=2)
        with pytest.raises(ValidationError, match="Sold out"):
            checkout_confirm(checkout=checkout, payment="balance")
        assert Wallet.objects.get(client=guest).balance == Decimal("100.00")
        assert Checkout.objects.get(pk=checkout.pk).status == "open"


# --- Refunds -------------------------------------------------------------------------------


def test_partial_refunds_go_back_the_way_the_money_came_and_add_up(hotel, guest):
    # given one order paid from the balance and one paid with points
    with tenant_context(hotel):
        points_grant(client=guest, points=1000)
        staff = User.objects.get(email="owner@hotel.example.com")
        by_balance = checkout_confirm(
            checkout=checkout_open_order(client=guest, wanted={champagne().pk: 2}),
            payment="balance",
        )
        by_points = checkout_confirm(
            checkout=checkout_open_order(client=guest, wanted={champagne().pk: 1}),
            payment="points",
        )
        assert Wallet.objects.get(client=guest).points == 550
        # when staff refund part of each, then the rest
        checkout_refund(checkout=by_balance, amount=Decimal("30.00"), by=staff, reason="cork")
        checkout_refund(checkout=by_points, amount=Decimal("15.00"), by=staff, reason="warm")
        with pytest.raises(ValidationError, match="Refund between"):
            checkout_refund(checkout=by_balance, amount=Decimal("60.01"), by=staff)
        checkout_refund(checkout=by_balance, by=staff, reason="the rest")
        checkout_refund(checkout=by_points, by=staff, reason="the rest")
        # then money went back to the balance, points to points, exactly what was paid
        wallet = Wallet.objects.get(client=guest)
        assert wallet.balance == Decimal("100.00")
        assert wallet.points == 1000
        refunds = LedgerEntry.objects.filter(client=guest, kind="refund").order_by("id")
        assert [(r.account, r.amount) for r in refunds] == [
            ("balance", Decimal("30.00")), ("points", Decimal("150")),
            ("balance", Decimal("60.00")), ("points", Decimal("300")),
        ]  # fmt: skip
        assert ledger_matches_wallet(guest)
        with pytest.raises(ValidationError):
            checkout_refund(checkout=by_balance, by=staff)  # nothing left


def test_a_cancelled_order_is_refunded_through_its_checkout(hotel, guest):
    with tenant_context(hotel):
        order = checkout_confirm(
            checkout=checkout_open_order(client=guest, wanted={champagne().pk: 1}),
            payment="balance",
        ).order
        order_set_status(order=order, to="cancelled", by=guest.user)
        with pytest.raises(ValidationError):
            order_set_status(order=order, to="cancelled", by=guest.user)
        assert Wallet.objects.get(client=guest).balance == Decimal("100.00")
        assert LedgerEntry.objects.filter(client=guest, kind="refund").count() == 1


def test_staff_refund_in_part_from_the_payments_page_by_permission(hotel, guest):
    # given a paid order of a guest, an owner, an operator without the wallet permission
    with tenant_context(hotel):
        paid = checkout_confirm(
            checkout=checkout_open_order(client=guest, wanted={champagne().pk: 2}),
            payment="balance",
        )
        owner = User.objects.get(email="owner@hotel.example.com")
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role="operator")
    desk = signed_in(hotel, owner)
    assert f"Order #{paid.order_id}" in desk.get("/staff/payments/").content.decode()
    # when the owner refunds 10.00 with a reason, and tries nonsense
    desk.post(f"/staff/payments/{paid.pk}/refund/", {"amount": "10", "reason": "late"})
    bad = desk.post(f"/staff/payments/{paid.pk}/refund/", {"amount": "abc", "reason": "x y z"},
                    follow=True)  # fmt: skip
    assert "like 12.50" in bad.content.decode()
    # then 10.00 is back, once; the operator may not refund
    with tenant_context(hotel):
        assert Wallet.objects.get(client=guest).balance == Decimal("20.00")
    helper = signed_in(hotel, operator)
    assert helper.get("/staff/payments/").status_code == 403
    assert helper.post(f"/staff/payments/{paid.pk}/refund/", {"reason": "x y z"}).status_code == 403


def test_the_payments_page_costs_the_same_queries_for_more_payments(hotel, guest):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    desk = signed_in(hotel, owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get("/staff/payments/").status_code == 200
        return sum(not q["sql"].startswith("SET search_path") for q in queries.captured_queries)

    with tenant_context(hotel):
        checkout_confirm(checkout=checkout_open_order(client=guest, wanted={champagne().pk: 1}),
                         payment="on_site")  # fmt: skip
    count()  # the caches (branding, policy) warm up
    one = count()
    with tenant_context(hotel):
        for _n in range(5):
            checkout_confirm(
                checkout=checkout_open_order(client=guest, wanted={champagne().pk: 1}),
                payment="on_site",
            )
    assert count() == one


def test_the_review_page_costs_a_fixed_number_of_queries(hotel, guest):
    browser = signed_in(hotel, guest.user)
    with tenant_context(hotel):
        items = list(CatalogItem.objects.filter(price__gt=0)[:6])
        small = checkout_open_order(client=guest, wanted={items[0].pk: 1})
        large = checkout_open_order(client=guest, wanted={i.pk: 1 for i in items})
    browser.get(f"/checkout/{small.token}/")

    def count(checkout) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(f"/checkout/{checkout.token}/").status_code == 200
        return sum(not q["sql"].startswith("SET search_path") for q in queries.captured_queries)

    assert count(large) == count(small)


def test_a_checkout_of_another_tenant_is_404(hotel, shop, guest):
    # given a hotel guest's open checkout, and a shop client
    with tenant_context(hotel):
        checkout = checkout_open_order(client=guest, wanted={champagne().pk: 1})
    with tenant_context(shop):
        shopper = UserFactory()
        ClientProfile.objects.create(user=shopper)
    # then the shop's cabinet does not know its token
    browser = signed_in(shop, shopper)
    assert browser.get(f"/checkout/{checkout.token}/").status_code == 404
    assert (
        browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "on_site"}).status_code == 404
    )


def test_a_paid_event_earns_points_when_the_voucher_is_checked_by_the_owners_rule(hotel, guest):
    from cabinet.bookings.services import booking_check_in

    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        paid = checkout_confirm(
            checkout=checkout_open_booking(client=guest, event=excursion(), seats=2),
            payment="balance",
        )
        booking_check_in(booking=paid.booking, by=owner)
        booking_check_in(booking=paid.booking, by=owner)
        assert Wallet.objects.get(client=guest).points == 25  # 5 % of 50.00, once
        LoyaltySettings.objects.create(earn_on_bookings=False)
        other = checkout_confirm(
            checkout=checkout_open_booking(client=guest, event=excursion(hours=72), seats=1),
            payment="balance",
        )
        booking_check_in(booking=other.booking, by=owner)
        assert Wallet.objects.get(client=guest).points == 25
        assert ledger_matches_wallet(guest)
