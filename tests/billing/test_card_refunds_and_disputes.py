"""Refunds and disputes of a client's card top-up on the business's own Stripe account follow
into the ledger: each once, whatever order and however often the events come; a balance already
spent may go below zero, and staff see it; a dispute reaches the staff queue."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import webhooks
from billing.models import StripeEvent
from cabinet.checkout.services import PAYMENT_METHODS, Priced
from cabinet.wallet.models import LedgerEntry
from cabinet.wallet.services import ledger_apply
from cabinet.work.models import WorkRequest
from rbac.models import AuditEntry
from tests.billing.conftest import deliver
from tests.billing.test_client_card_payments import a_guest, balance, connect, start_top_up


def paid_top_up(fake, browser, amount: str) -> str:
    """A paid top-up: its charge's id."""
    session_id = start_top_up(browser, amount)
    session = fake.pay_checkout(session_id)
    return fake.get(session["payment_intent"], "payment_intent")["latest_charge"]


def deliver_all(platform_client, capture, events, *, copies: int = 1, seed: int = 0) -> None:
    batch = [event for event in events for _ in range(copies)]
    random.Random(seed).shuffle(batch)
    with capture(execute=True):
        for event in batch:
            assert deliver(platform_client, event).status_code == 200


def test_a_refund_made_in_stripes_dashboard_takes_the_money_back_once(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a client who topped up 50 by card
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    charge = paid_top_up(stripe_fake, browser, "50")
    # when the business refunds 20, then 10, in its Stripe dashboard, and every event of the
    # payment arrives three times, shuffled (refunds before the payment itself)
    stripe_fake.refund(charge, 2000)
    stripe_fake.refund(charge, 1000)
    deliver_all(platform_client, django_capture_on_commit_callbacks, stripe_fake.events, copies=3)
    # then the balance holds 50 - 20 - 10, each refund one entry
    assert balance(hotel, client) == Decimal("20.00")
    with tenant_context(hotel):
        refunds = LedgerEntry.objects.filter(client=client, kind="refund")
        assert sorted(e.amount for e in refunds) == [Decimal("-20.00"), Decimal("-10.00")]
        assert all(e.idempotency_key.startswith("stripe-refund:re_") for e in refunds)
        assert AuditEntry.objects.filter(action="wallet.card_refund").count() == 2
        assert not WorkRequest.objects.exists()  # the balance stayed above zero
    assert not StripeEvent.objects.filter(outcome="pending").exists()


def test_a_refund_of_money_already_spent_takes_the_balance_below_zero_and_staff_see_it(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a client who topped up 30 and spent 25 of it
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    charge = paid_top_up(stripe_fake, browser, "30")
    deliver_all(platform_client, django_capture_on_commit_callbacks, stripe_fake.events)
    with tenant_context(hotel):
        ledger_apply(client=client, account="balance", kind="spend", amount=Decimal("-25"))
    # when the business refunds the whole top-up at Stripe
    stripe_fake.refund(charge)
    deliver_all(platform_client, django_capture_on_commit_callbacks, stripe_fake.events[-2:])
    # then the money is gone from the balance: -25, and staff have a work item about it
    assert balance(hotel, client) == Decimal("-25.00")
    with tenant_context(hotel):
        (work,) = WorkRequest.objects.filter(client=client)
        assert work.type.code == "payment"
        assert "below zero" in work.title
    # and the client cannot pay anything from the balance until it is topped up
    with tenant_context(hotel):
        quote = Priced([], Decimal("1"), Decimal(0), Decimal(0), Decimal("1"), "EUR")
        assert PAYMENT_METHODS["balance"].refusal(client, quote)


def test_a_dispute_withdraws_and_a_won_dispute_reinstates_in_any_order(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a paid top-up of 40, disputed by the client's bank and then won by the business
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    charge = paid_top_up(stripe_fake, browser, "40")
    dispute = stripe_fake.dispute(charge)
    stripe_fake.dispute_close(dispute["id"], won=True)
    # when the events arrive backwards, twice each
    events = list(reversed(stripe_fake.events)) * 2
    with django_capture_on_commit_callbacks(execute=True):
        for event in events:
            assert deliver(platform_client, event).status_code == 200
    # then 40 was taken and given back: the balance is 40, with both movements in the ledger
    assert balance(hotel, client) == Decimal("40.00")
    with tenant_context(hotel):
        disputes = LedgerEntry.objects.filter(client=client, kind="dispute")
        assert sorted(e.amount for e in disputes) == [Decimal("-40.00"), Decimal("40.00")]
        (work,) = WorkRequest.objects.filter(client=client)
        assert "Card dispute" in work.title


def test_a_lost_dispute_keeps_the_money_taken(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    charge = paid_top_up(stripe_fake, browser, "15")
    stripe_fake.dispute_close(stripe_fake.dispute(charge)["id"], won=False)
    deliver_all(platform_client, django_capture_on_commit_callbacks, stripe_fake.events, seed=3)
    assert balance(hotel, client) == Decimal("0.00")


def test_an_event_for_an_account_nobody_has_yet_waits_then_is_skipped(
    hotel, stripe_fake, platform_client, django_capture_on_commit_callbacks
):
    # given a refund event on a connected account no tenant has (yet)
    event = {
        "id": "evt_unknown_account_refund", "object": "event", "type": "charge.refunded",
        "account": "acct_nobody", "created": int(timezone.now().timestamp()),
        "data": {"object": {"id": "ch_x", "object": "charge", "payment_intent": "pi_x"}},
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        assert deliver(platform_client, event).status_code == 200
    stored = StripeEvent.objects.get(event_id=event["id"])
    # when it is applied now, it waits
    assert webhooks.stripe_event_apply(stored.pk) == "pending"
    # and the sweep keeps retrying it for a while
    report = webhooks.stripe_events_sweep(now=timezone.now() + dt.timedelta(minutes=6))
    assert report.pending == 1
    # then, once it is clearly nobody's, it is skipped (not left pending for ever)
    StripeEvent.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - webhooks.UNKNOWN_WAIT - dt.timedelta(minutes=1)
    )
    assert webhooks.stripe_event_apply(stored.pk) == "skipped"


def test_a_refund_event_naming_a_payment_that_is_not_kabinets_is_skipped(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    account = connect(stripe_fake, hotel)
    event = {
        "id": "evt_foreign_refund", "object": "event", "type": "charge.refunded",
        "account": account, "created": int(timezone.now().timestamp()),
        "data": {"object": {"id": "ch_nope", "object": "charge", "payment_intent": "pi_nope"}},
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(platform_client, event).status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "skipped"
