"""No Stripe event stays pending, and each applies in a way that does not depend on the order it
arrives in: queueing that fails, retries that run out, customers not opened yet and refused
tenant moves all end in a final outcome; a stale read never overwrites newer state; the
tenant's lifecycle is a function of the subscription's current state; delayed top-ups credit
once; timestamps from the future are refused."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import gateway, subscriptions, webhooks
from billing.models import Plan, StripeEvent, Subscription
from billing.subscriptions import (
    subscription_apply,
    subscription_sync,
    transition_path,
)
from billing.tasks import apply_stripe_event
from billing.webhooks import stripe_events_sweep
from tenants.lifecycle import Actor, tenant_transition
from tenants.models import TenantEvent
from tests.billing.conftest import deliver
from tests.billing.test_client_card_payments import a_guest, balance, connect, start_top_up
from tests.billing.test_stripe_subscriptions import subscribe

LATER = dt.timedelta(minutes=6)


def an_event(customer: str, event_id: str = "evt_t1", **extra) -> dict:
    return {
        "id": event_id,
        "type": "invoice.paid",
        "created": int(time.time()),
        "data": {"object": {"customer": customer}},
        **extra,
    }


def age(event_id: str, by: dt.timedelta) -> None:
    StripeEvent.objects.filter(event_id=event_id).update(received_at=timezone.now() - by)


@pytest.fixture
def customer(hotel, stripe_fake) -> str:
    return subscriptions.customer_ensure(hotel)


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(apply_stripe_event, "delay", refuse)


# -- the intake -----------------------------------------------------------------------------


def test_a_failed_enqueue_is_answered_200_and_the_sweep_applies_the_event(
    customer, platform_client, broker_down, django_capture_on_commit_callbacks
):
    # given a broker that refuses the apply task
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(platform_client, an_event(customer))
    # then Stripe hears 200 (no retry storm), and the event is kept pending
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_t1").outcome == "pending"
    # when the sweep runs a few minutes later
    report = stripe_events_sweep(now=timezone.now() + LATER)
    # then it applied the event
    stored = StripeEvent.objects.get(event_id="evt_t1")
    assert (stored.outcome, stored.note) == (
        "applied",
        "Stripe has no subscription for the customer",
    )
    assert (report.applied, report.failed) == (1, 0)


def test_a_retried_delivery_of_a_stored_unapplied_event_applies_it(
    customer, platform_client, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    # given an event stored while the broker was down
    original = apply_stripe_event.delay
    monkeypatch.setattr(apply_stripe_event, "delay", lambda *a: (_ for _ in ()).throw(OSError()))
    with django_capture_on_commit_callbacks(execute=True):
        deliver(platform_client, an_event(customer))
    monkeypatch.setattr(apply_stripe_event, "delay", original)
    # when Stripe delivers it again
    with django_capture_on_commit_callbacks(execute=True):
        again = deliver(platform_client, an_event(customer))
    # then the delivery applied it instead of answering "duplicate"
    assert again.json() == {"detail": "received", "duplicate": True, "applying": True}
    assert StripeEvent.objects.get(event_id="evt_t1").outcome == "applied"


def test_the_apply_task_retries_any_error(customer, monkeypatch, eager_tasks):
    # given an event whose first apply hits an unexpected error
    stored = StripeEvent.objects.create(
        event_id="evt_t2", type="invoice.paid", customer_id=customer, payload=an_event(customer)
    )
    calls = []
    real = webhooks.subscription_sync

    def flaky(subscription):
        calls.append(1)
        if len(calls) == 1:
            raise Subscription.DoesNotExist("gone for a moment")
        return real(subscription)

    monkeypatch.setattr(webhooks, "subscription_sync", flaky)
    # when the task runs
    apply_stripe_event.apply(args=[stored.pk])
    # then it was retried and the event applied, with both tries counted
    stored.refresh_from_db()
    assert (stored.outcome, stored.attempts, len(calls)) == ("applied", 2, 2)
    assert apply_stripe_event.max_retries == 8


def test_an_event_that_stays_pending_is_alerted_once_and_shown_in_the_control_panel(
    customer,
    admin_client,
    monkeypatch,
):
    # given an event that fails every time, received more than an hour ago
    stored = StripeEvent.objects.create(
        event_id="evt_t3", type="invoice.paid", customer_id=customer, payload=an_event(customer)
    )
    age("evt_t3", dt.timedelta(hours=2))

    def broken(subscription):
        raise RuntimeError("Stripe answers nonsense")

    monkeypatch.setattr(webhooks, "subscription_sync", broken)
    alerts = []
    monkeypatch.setattr(webhooks.sentry_sdk, "capture_message", lambda m, **kw: alerts.append(m))
    # when the sweep runs twice
    first = stripe_events_sweep()
    second = stripe_events_sweep()
    # then it tried both times, and Sentry heard of it once
    stored.refresh_from_db()
    assert (first.failed, first.alerted, second.alerted) == (1, 1, 0)
    assert stored.attempts == 2
    assert stored.last_error == "RuntimeError: Stripe answers nonsense"
    assert alerts == ["Stripe event evt_t3 (invoice.paid) still pending after 1 attempts"]
    # and the control panel shows it, with its error, to a platform admin
    page = admin_client.get("/control/plans/events/").content.decode()
    assert "Stuck (1)" in page
    assert "Stripe answers nonsense" in page
    assert "1 stuck" in admin_client.get("/control/plans/").content.decode()
    # when Stripe is fine again and the admin applies it
    monkeypatch.undo()
    response = admin_client.post(f"/control/plans/events/{stored.pk}/apply/", follow=True)
    assert "evt_t3: applied" in response.content.decode()
    assert StripeEvent.objects.get(pk=stored.pk).outcome == "applied"


def test_the_stripe_events_page_is_for_platform_admins_only(platform_client, hotel_client, db):
    stored = StripeEvent.objects.create(event_id="evt_t4", type="invoice.paid", payload={})
    assert platform_client.get("/control/plans/events/").status_code == 302
    assert platform_client.post(f"/control/plans/events/{stored.pk}/apply/").status_code == 302
    assert hotel_client.get("/control/plans/events/").status_code == 404
    assert StripeEvent.objects.get(pk=stored.pk).attempts == 0


def test_the_stripe_events_page_reads_a_fixed_number_of_queries(admin_client):
    StripeEvent.objects.bulk_create(
        StripeEvent(event_id=f"evt_q{i}", type="invoice.paid", payload={}) for i in range(30)
    )
    admin_client.get("/control/plans/events/")  # the session's first reads
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/control/plans/events/")
    StripeEvent.objects.bulk_create(
        StripeEvent(event_id=f"evt_r{i}", type="invoice.paid", payload={}) for i in range(30)
    )
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get("/control/plans/events/").status_code == 200
    assert len(many) == len(few) <= 8


def test_an_unknown_customer_is_kept_for_a_while_then_skipped(
    platform_client, stripe_fake, eager_tasks, django_capture_on_commit_callbacks
):
    # given an event for a customer no tenant has
    with django_capture_on_commit_callbacks(execute=True):
        deliver(platform_client, an_event("cus_not_yet"))
    assert StripeEvent.objects.get(event_id="evt_t1").outcome == "pending"
    # when the sweep runs within the wait: still kept
    stripe_events_sweep(now=timezone.now() + LATER)
    assert StripeEvent.objects.get(event_id="evt_t1").outcome == "pending"
    # when it has waited long enough
    age("evt_t1", webhooks.UNKNOWN_WAIT + dt.timedelta(minutes=1))
    stripe_events_sweep()
    stored = StripeEvent.objects.get(event_id="evt_t1")
    assert (stored.outcome, stored.note) == ("skipped", "no tenant has this customer")


def test_an_event_for_a_customer_opened_meanwhile_applies(
    hotel, platform_client, stripe_fake, eager_tasks, django_capture_on_commit_callbacks
):
    # given an event that arrived before its customer was saved
    with django_capture_on_commit_callbacks(execute=True):
        deliver(platform_client, an_event("cus_fake00000001"))
    Subscription.objects.filter(tenant=hotel).update(stripe_customer_id="cus_fake00000001")
    # when the sweep runs
    stripe_events_sweep(now=timezone.now() + LATER)
    # then it applied
    assert StripeEvent.objects.get(event_id="evt_t1").outcome == "applied"


@pytest.mark.parametrize("ahead", [3600, 10**6])
def test_timestamps_from_the_future_are_refused(customer, platform_client, ahead):
    in_the_future = int(time.time()) + ahead
    signed_ahead = deliver(platform_client, an_event(customer), timestamp=in_the_future)
    created_ahead = deliver(platform_client, an_event(customer, created=in_the_future))
    not_a_time = deliver(platform_client, an_event(customer, created="tomorrow"))
    assert [r.status_code for r in (signed_ahead, created_ahead, not_a_time)] == [400, 400, 400]
    assert not StripeEvent.objects.exists()


# -- order independence ---------------------------------------------------------------------


def stripe_sub(
    status: str, *, sid: str = "sub_a", created: int = 1_000_000
) -> gateway.StripeSubscription:
    now = dt.datetime.now(dt.UTC)
    return gateway.StripeSubscription(
        id=sid, status=status, price_ids=frozenset(), product_ids=frozenset(),
        current_period_start=now, current_period_end=now + dt.timedelta(days=30),
        cancel_at_period_end=False, created=dt.datetime.fromtimestamp(created, dt.UTC),
    )  # fmt: skip


def test_a_slow_apply_never_overwrites_newer_state(hotel, customer, monkeypatch):
    # given an apply that reads "past_due" from Stripe while another apply writes "active"
    sub = Subscription.objects.get(tenant=hotel)
    reads = iter([stripe_sub("past_due"), stripe_sub("active")])

    def slow_read(customer_id):
        state = next(reads)
        if state.status == "past_due":  # meanwhile, a faster task applies what is newer
            subscription_apply(sub.pk, stripe_sub("active"))
        return state

    monkeypatch.setattr(gateway, "subscription_current", slow_read)
    # when the slow apply finishes
    result = subscription_sync(sub)
    # then it noticed the newer write, read Stripe again and wrote what Stripe says now
    assert result.status == "active"
    sub.refresh_from_db()
    assert (sub.status, sub.stripe_version) == ("active", 2)


def test_an_older_subscription_does_not_replace_the_one_a_plan_switch_made(hotel):
    sub = Subscription.objects.get(tenant=hotel)
    subscription_apply(sub.pk, stripe_sub("active", sid="sub_new", created=2_000_000))
    result = subscription_apply(sub.pk, stripe_sub("canceled", sid="sub_old", created=1_000_000))
    sub.refresh_from_db()
    assert (sub.stripe_subscription_id, sub.status, result.status) == (
        "sub_new",
        "active",
        "active",
    )


# Where the tenant ends, for every tenant status and every status Stripe can report; written out
# by hand from the plans, independently of billing's own table. One letter per tenant state, in
# the order of TENANT_STATES: T trial, A active, P past due, G grace, R read-only, S suspended,
# X archived. Stripe's trialing counts as active, unpaid as past due, incomplete_expired as
# cancelled; incomplete and paused leave ours as it was (here: our own trial).
TENANT_STATES = ("trial", "active", "past_due", "grace", "read_only", "billing_suspended",
                 "admin_suspended", "archived")  # fmt: skip
EXPECTED = {
    "active": "AAAAAASX",
    "trialing": "AAAAAASX",
    "past_due": "PPPGRSSX",
    "unpaid": "PPPGRSSX",
    "canceled": "AAAAAASX",  # on the free default plan
    "incomplete_expired": "AAAAAASX",
    "incomplete": "TAPGRSSX",
    "paused": "TAPGRSSX",
}
# Without a free plan, a cancelled subscription makes the cabinet read-only instead.
EXPECTED_NO_FREE_PLAN = {"canceled": "RRRRRSSX", "incomplete_expired": "RRRRRSSX"}
LETTERS = {"T": "trial", "A": "active", "P": "past_due", "G": "grace", "R": "read_only",
           "S": "suspended", "X": "archived"}  # fmt: skip


def _put_tenant_in(tenant, state: str) -> None:
    path = {
        "trial": [], "active": ["active"], "past_due": ["past_due"],
        "grace": ["past_due", "grace"], "read_only": ["past_due", "grace", "read_only"],
        "billing_suspended": ["past_due", "grace", "read_only", "suspended"],
        "admin_suspended": ["suspended"], "archived": ["active", "archived"],
    }[state]  # fmt: skip
    for step in path:
        actor = (
            Actor("root@x") if state in ("admin_suspended", "archived") else subscriptions.BILLING
        )
        tenant_transition(tenant=tenant, to=step, actor=actor, reason="given")


@pytest.mark.parametrize("free_plan", [True, False], ids=["free-plan", "no-free-plan"])
@pytest.mark.parametrize("tenant_state", TENANT_STATES)
@pytest.mark.parametrize("stripe_status", list(EXPECTED))
def test_the_tenant_follows_the_subscriptions_current_state(
    hotel, monkeypatch, stripe_status, tenant_state, free_plan
):
    # given a tenant in `tenant_state`, on its trial
    if not free_plan:
        Plan.objects.filter(is_default=True).update(monthly_price=Decimal("1.00"))
    _put_tenant_in(hotel, tenant_state)
    sub = Subscription.objects.get(tenant=hotel)
    assert sub.trial_ends_at is not None
    # when Stripe's subscription, in `stripe_status`, is applied
    subscription_apply(sub.pk, stripe_sub(stripe_status))
    # then the tenant is where the plans say, and the trial date is gone
    hotel.refresh_from_db()
    expected = {**EXPECTED, **({} if free_plan else EXPECTED_NO_FREE_PLAN)}[stripe_status]
    assert hotel.status == LETTERS[expected[TENANT_STATES.index(tenant_state)]]
    sub.refresh_from_db()
    assert (sub.trial_ends_at is None) == (sub.status != "trialing")
    if sub.status == "canceled":
        assert hotel.status != "past_due"  # never stays past due after a cancellation
    # and every move billing made is in the trail, each one a step the state machine allows
    moves = TenantEvent.objects.filter(tenant=hotel, kind="status", reason__startswith="The")
    assert all(m.actor_label == "billing" for m in moves)


def test_cancelled_after_dunning_walks_the_allowed_steps_to_read_only():
    assert transition_path("past_due", "read_only") == ["grace", "read_only"]
    assert transition_path("active", "read_only") == ["past_due", "grace", "read_only"]
    assert transition_path("archived", "read_only") == ["active", "past_due", "grace", "read_only"]
    assert transition_path("purged", "active") == []


def test_a_refused_tenant_move_does_not_leave_the_event_pending(
    hotel, customer, stripe_fake, owner_client, platform_client, eager_tasks,
    django_capture_on_commit_callbacks, monkeypatch,
):  # fmt: skip
    # given a tenant an admin moves at the same moment billing tries to
    customer = subscribe(
        stripe_fake, owner_client, platform_client, django_capture_on_commit_callbacks
    )
    seen = len(stripe_fake.events)
    stripe_fake.fail_payment(customer)

    def refuse(**kwargs):
        raise ValidationError("A tenant cannot go from Active to Past due.")

    monkeypatch.setattr(subscriptions, "tenant_transition", refuse)
    # when the events are delivered
    with django_capture_on_commit_callbacks(execute=True):
        for event in stripe_fake.events[seen:]:
            assert deliver(platform_client, event).status_code == 200
    # then each event reached an outcome, saying what was refused
    events = StripeEvent.objects.filter(event_id__in=[e["id"] for e in stripe_fake.events[seen:]])
    assert {e.outcome for e in events} == {"applied"}
    assert any("tenant move to past_due refused" in e.note for e in events)
    assert Subscription.objects.get(tenant=hotel).status == "past_due"


# -- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize("clears", [True, False], ids=["clears", "fails"])
def test_a_top_up_by_a_delayed_method_is_credited_once_when_it_clears(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks, clears
):
    # given a client who paid a top-up by a method that clears later
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    session_id = start_top_up(browser, "40")
    stripe_fake.pay_checkout(session_id, delayed=True)
    seen = len(stripe_fake.events)
    with django_capture_on_commit_callbacks(execute=True):
        for event in stripe_fake.events:
            deliver(platform_client, event)
    assert balance(hotel, client) == Decimal(0)  # completed, not paid yet
    # when the payment clears (or fails), and Stripe sends the news twice
    stripe_fake.settle_payment(session_id, succeeded=clears)
    (news,) = stripe_fake.events[seen:]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(platform_client, news)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(platform_client, news)
    # then the balance is credited once — or not at all
    assert balance(hotel, client) == (Decimal("40.00") if clears else Decimal(0))
    stored = StripeEvent.objects.get(event_id=news["id"])
    assert stored.outcome == "applied"
    assert stored.note == (
        "top-up 40.00 EUR paid" if clears else "top-up 40.00 EUR failed, nothing credited"
    )
    with tenant_context(hotel):
        from cabinet.wallet.models import LedgerEntry

        assert LedgerEntry.objects.filter(idempotency_key=f"stripe:{session_id}").count() == (
            1 if clears else 0
        )


def test_the_control_panel_shows_the_default_plan_for_a_cancelled_subscription(hotel, admin_client):
    # given the hotel's Start subscription, cancelled at Stripe and applied
    Subscription.objects.filter(tenant=hotel).update(
        plan=Plan.objects.get(code="start"), status="canceled"
    )
    # when an admin lists the tenants and opens the hotel
    listing = admin_client.get("/control/").content.decode()
    detail = admin_client.get(f"/control/tenants/{hotel.pk}/").content.decode()
    # then the list says Free (the plan that applies), the page says why
    assert "Free" in listing
    assert "Start" not in listing
    assert "now on the default plan" in detail
