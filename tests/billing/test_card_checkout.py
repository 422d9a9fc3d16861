"""A client pays a checkout (a paid event, an order) by card on the business's own Stripe account:
confirmed when Stripe says it is paid (the return or the webhook, whichever first, once); 3-D
Secure and a declined card leave the cart as it was; the card is saved only when the client
ticks the box, and they can remove it; refunds go back to the card through Stripe, in part or in
full, each in the ledger; the webhooks of it all, duplicated, reordered and late, leave one
payment and one refund each."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import StripeEvent
from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import booking_cancel
from cabinet.checkout.models import Checkout
from cabinet.checkout.services import checkout_open_booking, checkout_refund
from cabinet.wallet.models import LedgerEntry
from cabinet.work.models import WorkRequest
from rbac.models import AuditEntry, User
from tests.billing.conftest import deliver
from tests.billing.test_client_card_payments import a_guest, connect


def excursion(price: str = "25.00", capacity: int = 10) -> Event:
    start = timezone.now() + dt.timedelta(days=3)
    end = start + dt.timedelta(hours=3)
    return Event.objects.create(
        title="Boat trip", starts_at=start, ends_at=end, price=Decimal(price), capacity=capacity
    )


def book_by_card(tenant, client: ClientProfile, browser: Client, *, price: str = "25.00",
                 save_card: bool = False, seats: int = 1) -> tuple[Checkout, str]:  # fmt: skip
    """The client reviews a paid event and chooses the card: the checkout and the session id."""
    with tenant_context(tenant):
        checkout = checkout_open_booking(client=client, event=excursion(price), seats=seats)
    page = browser.get(f"/checkout/{checkout.token}/").content.decode()
    assert 'value="card"' in page
    assert "Save my card with" in page
    form = {"payment": "card", **({"save_card": "1"} if save_card else {})}
    response = browser.post(f"/checkout/{checkout.token}/pay/", form)
    assert response.status_code == 303, response.content.decode()[:300]
    assert "/pay/cs_" in response["Location"]
    return checkout, response["Location"].rsplit("/", 1)[1]


def come_back(browser: Client, fake, session_id: str) -> str:
    """The client comes back from Stripe's page: where they land, with the page's words."""
    url = fake.get(session_id, "checkout.session")["success_url"].replace(
        "{CHECKOUT_SESSION_ID}", session_id
    )
    response = browser.get("/" + url.split("/", 3)[3], follow=True)
    return response.content.decode()


def card_entries(tenant, client) -> list[tuple[str, Decimal]]:
    with tenant_context(tenant):
        return sorted(
            (e.kind, e.amount) for e in LedgerEntry.objects.filter(client=client, account="card")
        )


def deliver_shuffled(platform_client, capture, events, *, copies: int = 2, seed: int = 1) -> None:
    batch = [event for event in events for _ in range(copies)]
    random.Random(seed).shuffle(batch)
    with capture(execute=True):
        for event in batch:
            assert deliver(platform_client, event).status_code == 200


def test_a_paid_event_is_booked_by_card_and_cancelling_refunds_the_card(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a business that takes cards and a guest with nothing on their balance
    account = connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    # when they book a 25.00 excursion by card and pay on Stripe's page
    checkout, session_id = book_by_card(hotel, client, browser)
    session = stripe_fake.get(session_id, "checkout.session")
    assert (session["account"], session["amount_total"]) == (account, 2500)
    assert "setup_future_usage" not in session["payment_intent_data"]  # not asked: not saved
    stripe_fake.payment_act(session_id, "pay")
    page = come_back(browser, stripe_fake, session_id)
    # then they are booked, the checkout paid by card, and the payment is in the ledger
    assert "Booked: Boat trip." in page
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.status == "paid"
        assert checkout.payment == "card"
        assert (
            checkout.card_payment
            == stripe_fake.get(session_id, "checkout.session")["payment_intent"]
        )
        booking = Booking.objects.get(client=client)
        assert booking.status == "confirmed"
    assert card_entries(hotel, client) == [("spend", Decimal("-25.00"))]
    # and the webhook, twice and late, changes nothing
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events)
    with tenant_context(hotel):
        assert Booking.objects.filter(client=client).count() == 1
    assert card_entries(hotel, client) == [("spend", Decimal("-25.00"))]
    # when they cancel the booking
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/bookings/{booking.pk}/cancel/", follow=True)
    assert response.status_code == 200
    # then a Stripe refund of 25.00 is made on the business's account, back to the card
    (refund,) = stripe_fake.of_kind("refund")
    assert (refund["account"], refund["amount"]) == (account, 2500)
    assert refund["payment_intent"] == checkout.card_payment
    assert card_entries(hotel, client) == [("refund", Decimal("25.00")),
                                           ("spend", Decimal("-25.00"))]  # fmt: skip
    # and its events, duplicated and shuffled, record nothing more
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events[-2:],
                     copies=3)  # fmt: skip
    assert len(stripe_fake.of_kind("refund")) == 1
    assert card_entries(hotel, client) == [("refund", Decimal("25.00")),
                                           ("spend", Decimal("-25.00"))]  # fmt: skip
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert (checkout.status, checkout.refunded) == ("refunded", Decimal("25.00"))
        assert AuditEntry.objects.filter(action="checkout.refunded").count() == 1


def test_partial_refunds_go_back_to_the_card_each_once(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser, price="40.00")
    stripe_fake.payment_act(session_id, "pay")
    come_back(browser, stripe_fake, session_id)
    # when staff refund 10.00, then the 30.00 left
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        checkout_refund(checkout=checkout, amount=Decimal("10.00"), by=None, reason="late boat")
        checkout_refund(checkout=checkout, by=None)
    # then Stripe has two refunds on the payment, and the ledger two entries
    assert sorted(r["amount"] for r in stripe_fake.of_kind("refund")) == [1000, 3000]
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events)
    assert card_entries(hotel, client) == [
        ("refund", Decimal("10.00")), ("refund", Decimal("30.00")), ("spend", Decimal("-40.00")),
    ]  # fmt: skip
    assert len(stripe_fake.of_kind("refund")) == 2


def test_three_d_secure_the_client_returns_before_and_after_authenticating(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser)
    # when the card asks for 3-D Secure and the client comes back before completing it
    assert stripe_fake.payment_act(session_id, "pay_3ds") == f"/pay/{session_id}"
    assert "3-D Secure" in stripe_fake.payment_page(session_id)
    page = come_back(browser, stripe_fake, session_id)
    # then nothing was taken and the checkout waits
    assert "nothing was taken" in page
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.status == "open"
        assert not Booking.objects.filter(client=client).exists()
    # when they complete the bank's check, the payment is read from Stripe on their return
    stripe_fake.payment_act(session_id, "authenticate")
    assert "Booked: Boat trip." in come_back(browser, stripe_fake, session_id)
    with tenant_context(hotel):
        assert Booking.objects.filter(client=client, status="confirmed").count() == 1


def test_a_declined_card_or_a_failed_check_loses_nothing(hotel, stripe_fake):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser)
    stripe_fake.payment_act(session_id, "decline")
    assert "Your card was declined" in stripe_fake.payment_page(session_id)
    stripe_fake.payment_act(session_id, "pay_3ds")
    stripe_fake.payment_act(session_id, "fail_authentication")
    # the client gives up and goes back: the cart is as it was and can still be paid
    cancel = stripe_fake.get(session_id, "checkout.session")["cancel_url"]
    page = browser.get("/" + cancel.split("/", 3)[3]).content.decode()
    assert "Boat trip" in page
    assert 'value="card" checked' in page
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.status == "open"
        assert not LedgerEntry.objects.filter(client=client).exists()


def test_the_webhook_alone_confirms_when_the_client_never_comes_back(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser)
    stripe_fake.payment_act(session_id, "pay")
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events)
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.status == "paid"
        assert Booking.objects.filter(client=client).count() == 1


def test_a_payment_that_cannot_be_taken_goes_back_to_the_card_and_the_cart_stays(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser)
    # when the price changes while the client is on Stripe's page, then they pay
    with tenant_context(hotel):
        Event.objects.filter(pk=checkout.event_id).update(price=Decimal("30.00"))
    stripe_fake.payment_act(session_id, "pay")
    with django_capture_on_commit_callbacks(execute=True):
        page = come_back(browser, stripe_fake, session_id)
    # then they are told, the whole payment goes back to the card, the cart waits
    assert "goes back to your card" in page
    (refund,) = stripe_fake.of_kind("refund")
    assert refund["amount"] == 2500
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.status == "open"
        assert not Booking.objects.filter(client=client).exists()
    assert card_entries(hotel, client) == [("refund", Decimal("-25.00")),
                                           ("topup", Decimal("25.00"))]  # fmt: skip
    # and the webhooks, late and twice, give back nothing more
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events)
    assert len(stripe_fake.of_kind("refund")) == 1
    # and a dispute of that (fully refunded, so nothing left to take) payment changes nothing
    stripe_fake.dispute(refund["charge"])
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events[-2:])
    assert not StripeEvent.objects.exclude(outcome__in=["applied", "skipped"]).exists()
    assert len(card_entries(hotel, client)) == 2


def test_a_refund_or_dispute_made_at_stripe_is_recorded_on_the_checkout_once(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser, price="50.00")
    stripe_fake.payment_act(session_id, "pay")
    come_back(browser, stripe_fake, session_id)
    charge = stripe_fake.of_kind("charge")[-1]["id"]
    # when the business refunds 20.00 in its Stripe dashboard, and the client's bank disputes
    stripe_fake.refund(charge, 2000)
    stripe_fake.dispute(charge)
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events,
                     copies=3, seed=7)  # fmt: skip
    # then the checkout has 20.00 refunded, the dispute is in the ledger and in staff's queue
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert (checkout.status, checkout.refunded) == ("paid", Decimal("20.00"))
        assert WorkRequest.objects.get(client=client).type.code == "payment"
    assert card_entries(hotel, client) == [
        ("dispute", Decimal("30.00")), ("refund", Decimal("20.00")), ("spend", Decimal("-50.00")),
    ]  # fmt: skip


def test_a_card_is_saved_only_when_the_client_asks_and_they_can_remove_it(
    hotel, stripe_fake, platform_client, eager_tasks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    # when they pay without ticking the box, nothing is kept
    _checkout, session_id = book_by_card(hotel, client, browser)
    stripe_fake.payment_act(session_id, "pay")
    assert not stripe_fake.of_kind("payment_method")
    assert "Saved cards" not in browser.get("/wallet/").content.decode()
    # when they tick it, their card is kept for them at the business's account
    _checkout, session_id = book_by_card(hotel, client, browser, save_card=True)
    session = stripe_fake.get(session_id, "checkout.session")
    assert session["payment_intent_data"]["setup_future_usage"] == "on_session"
    stripe_fake.payment_act(session_id, "pay")
    (card,) = stripe_fake.of_kind("payment_method")
    assert card["customer"] == session["customer"]
    page = browser.get("/wallet/").content.decode()
    assert "Saved cards" in page
    assert "•••• 4242" in page
    # and the next payment offers it on Stripe's page
    _checkout, next_session = book_by_card(hotel, client, browser)
    assert "Pay with saved Visa •••• 4242" in stripe_fake.payment_page(next_session)
    # someone else cannot remove it; they can
    _other, other_browser = a_guest(hotel)
    assert other_browser.post(f"/wallet/cards/{card['id']}/remove/").status_code == 404
    assert browser.post(f"/wallet/cards/{card['id']}/remove/").status_code == 303
    assert "Saved cards" not in browser.get("/wallet/").content.decode()
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="wallet.card_removed").count() == 1


def test_deleting_the_account_removes_the_saved_card_and_anonymises_the_customer(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    from rbac.account import account_erase

    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    _checkout, session_id = book_by_card(hotel, client, browser, save_card=True)
    stripe_fake.payment_act(session_id, "pay")
    (card,) = stripe_fake.of_kind("payment_method")
    customer_id = card["customer"]
    with tenant_context(hotel):
        assert ClientProfile.objects.get(pk=client.pk).card_customer == customer_id
    # when the person's account is erased
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        account_erase(user=client.user)
    # then the business's Stripe account keeps neither their card nor their name and email
    assert stripe_fake.get(card["id"], "payment_method")["customer"] is None
    customer = stripe_fake.get(customer_id, "customer")
    assert (customer["email"], customer["name"]) == (None, None)
    with tenant_context(hotel):  # the client row is gone, or kept anonymised without the id
        assert not ClientProfile.objects.filter(pk=client.pk).exclude(card_customer="").exists()


def test_no_card_until_the_business_account_can_take_payments(hotel, stripe_fake):
    client, browser = a_guest(hotel)
    with tenant_context(hotel):
        checkout = checkout_open_booking(client=client, event=excursion(), seats=1)
    page = browser.get(f"/checkout/{checkout.token}/").content.decode()
    assert 'value="card"' not in page
    response = browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "card"}, follow=True)
    assert "does not take card payments" in response.content.decode()
    assert not stripe_fake.of_kind("checkout.session")


@pytest.mark.parametrize("session", ["", "cs_nope", "x" * 3000, "<script>", "../v1/charges"])
def test_a_made_up_return_confirms_nothing(hotel, stripe_fake, session):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, _session_id = book_by_card(hotel, client, browser)
    response = browser.get(f"/checkout/{checkout.token}/card/", {"session": session})
    assert response.status_code == 303
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.status == "open"


def test_another_clients_paid_session_confirms_nothing_here(hotel, stripe_fake):
    connect(stripe_fake, hotel)
    payer, payer_browser = a_guest(hotel)
    _paid, session_id = book_by_card(hotel, payer, payer_browser)
    stripe_fake.payment_act(session_id, "pay")
    thief, thief_browser = a_guest(hotel)
    with tenant_context(hotel):
        mine = checkout_open_booking(client=thief, event=excursion(), seats=1)
    thief_browser.get(f"/checkout/{mine.token}/card/", {"session": session_id})
    with tenant_context(hotel):
        mine.refresh_from_db()
        assert mine.status == "open"
    # and a stranger cannot even open the payer's return
    assert thief_browser.get(f"/checkout/{_paid.token}/card/").status_code == 404


def test_staff_cancelling_a_card_booking_refunds_the_card(
    hotel, stripe_fake, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    _checkout, session_id = book_by_card(hotel, client, browser)
    stripe_fake.payment_act(session_id, "pay")
    come_back(browser, stripe_fake, session_id)
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=Booking.objects.get(client=client), by_client=False)
    assert [r["amount"] for r in stripe_fake.of_kind("refund")] == [2500]


def test_an_order_is_paid_by_card_and_cancelling_it_refunds_part_then_the_rest(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a cart of two bottles of champagne (90.00) and a business that takes cards
    from cabinet.catalog.models import CatalogItem
    from cabinet.checkout.services import checkout_open_order
    from cabinet.orders.models import Order
    from cabinet.orders.services import order_set_status

    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    with tenant_context(hotel):
        item = CatalogItem.objects.get(name="Bottle of champagne")
        checkout = checkout_open_order(client=client, wanted={item.pk: 2})
    # when the client pays it by card and closes the tab (the webhook confirms it, late, twice)
    started = browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "card"})
    session_id = started["Location"].rsplit("/", 1)[1]
    assert stripe_fake.get(session_id, "checkout.session")["amount_total"] == 9000
    stripe_fake.payment_act(session_id, "pay")
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, stripe_fake.events)
    # then the order exists once, paid by card
    with tenant_context(hotel):
        order = Order.objects.get(client=client)
        assert (order.payment, order.total) == ("card", Decimal("90.00"))
        # when staff refund one bottle, then cancel the order
        staff = User.objects.get(email="owner@hotel.example.com")
        with django_capture_on_commit_callbacks(execute=True):
            checkout_refund(checkout=checkout, amount=Decimal("45.00"), by=staff)
        with django_capture_on_commit_callbacks(execute=True):
            order_set_status(order=order, to="cancelled", by=staff)
    # then two refunds went back to the card at Stripe, and the ledger has both
    assert sorted(r["amount"] for r in stripe_fake.of_kind("refund")) == [4500, 4500]
    assert card_entries(hotel, client) == [
        ("refund", Decimal("45.00")), ("refund", Decimal("45.00")), ("spend", Decimal("-90.00")),
    ]  # fmt: skip


def test_staff_see_a_balance_below_zero_on_the_clients_page(hotel, stripe_fake, owner_client):
    from cabinet.wallet.services import ledger_apply

    client, _browser = a_guest(hotel)
    with tenant_context(hotel):
        ledger_apply(client=client, account="balance", kind="refund", amount=Decimal("-12"),
                     overdraw=True)  # fmt: skip
    page = owner_client.get(f"/staff/clients/{client.pk}/").content.decode()
    assert "-€12.00" in page
    assert "Below zero: a card payment" in page


def test_the_wallet_page_costs_the_same_queries_however_long_the_ledger(hotel, stripe_fake):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cabinet.wallet.services import ledger_apply

    client, browser = a_guest(hotel)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/wallet/").status_code == 200
        return len(queries)

    with tenant_context(hotel):
        ledger_apply(client=client, account="card", kind="spend", amount=Decimal(-1), key="q")
    browser.get("/wallet/")
    before = count()
    with tenant_context(hotel):
        for n in range(12):
            ledger_apply(client=client, account="card", kind="spend", amount=Decimal(-n - 1),
                         key=f"q{n}")  # fmt: skip
    browser.get("/wallet/")  # the connection back on the request's schema, as before
    assert count() == before


def test_a_refund_at_stripe_that_arrives_before_the_payment_still_counts(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a card payment the client never came back from, refunded in part at Stripe
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    checkout, session_id = book_by_card(hotel, client, browser)
    stripe_fake.payment_act(session_id, "pay")
    paid_events = list(stripe_fake.events)
    stripe_fake.refund(stripe_fake.of_kind("charge")[-1]["id"], 500)
    refund_events = stripe_fake.events[len(paid_events) :]
    # when the refund's events arrive first, the payment's after
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, refund_events)
    deliver_shuffled(platform_client, django_capture_on_commit_callbacks, paid_events)
    # then the checkout is paid once and the refund recorded once
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert (checkout.status, checkout.refunded) == ("paid", Decimal("5.00"))
        assert Booking.objects.filter(client=client).count() == 1
    assert card_entries(hotel, client) == [("refund", Decimal("5.00")),
                                           ("spend", Decimal("-25.00"))]  # fmt: skip
