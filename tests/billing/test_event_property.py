"""A property of the whole Stripe intake, over the local fake Stripe: whatever happens to the
events on the way — each delivered one to five times, shuffled, delivered late (after later
changes at Stripe), applied in any order and interleaved with one another (a second apply runs
between another's read of Stripe and its write), queueing lost (the broker refused), forged,
stale and future-stamped copies mixed in — the final state equals that of one in-order delivery,
every event reaches a final outcome, nothing answers 5xx, every bad copy is refused, and the
ledger holds each paid top-up, each refund made at Stripe and each dispute's withdrawal (and a
won dispute's reinstatement) exactly once.

A scenario is a list of what the owner and a client do at Stripe: switch plan through Checkout,
a declined renewal, a recovered payment, a cancellation, top-ups paid at once, by a delayed
method that clears or fails, or abandoned, and after a payment a refund in the business's
Stripe dashboard (in part or whole) or a dispute by the client's bank (open, won or lost). Each
is run twice from the same start (savepoint and fake Stripe restored): once in order, each event
delivered once and applied at once; once with the generated chaos. The two final states must be
equal.

The suite runs a few sequences; `make billing-property` runs BILLING_PROPERTY_SEQUENCES (500 by
default) and prints the figures.
"""

import copy
import datetime as dt
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import gateway, webhooks
from billing.models import Plan, StripeEvent, Subscription
from billing.plans import plan_sync
from billing.subscriptions import customer_ensure
from cabinet.bookings.models import Event
from cabinet.checkout.models import Checkout
from cabinet.checkout.services import checkout_open_booking
from cabinet.wallet.models import LedgerEntry
from tests.billing.conftest import deliver
from tests.billing.test_client_card_payments import a_guest, connect, start_top_up
from tests.support.fake_stripe import StripeError

SEQUENCES = int(os.environ.get("BILLING_PROPERTY_SEQUENCES", "8"))
REPORT = "BILLING_PROPERTY_SEQUENCES" in os.environ  # make billing-property: print the figures

PLANS = ("start", "business")
OPS = st.one_of(
    st.tuples(st.just("switch"), st.sampled_from(PLANS)),
    st.tuples(st.just("fail")),
    st.tuples(st.just("recover")),
    st.tuples(st.just("cancel")),
    st.tuples(
        st.just("topup"),
        st.sampled_from(["10", "25", "40"]),
        st.sampled_from(["paid", "delayed_ok", "delayed_fail", "abandoned"]),
    ),
    # the client books a paid event by card: coming back from Stripe's page, or closing the tab
    # (only the webhook confirms it), or with a card that is declined
    st.tuples(st.just("card"), st.sampled_from(["paid_return", "paid_webhook", "declined"])),
    # the business refunds part or all of the latest card payment in its Stripe dashboard
    st.tuples(st.just("refund"), st.sampled_from([500, 1000, None])),
    # the client's bank disputes it; the dispute stays open, is won or is lost
    st.tuples(st.just("dispute"), st.sampled_from(["open", "won", "lost"])),
)
SCENARIOS = st.lists(OPS, min_size=1, max_size=8)


@dataclass
class Figures:
    sequences: int = 0
    events: int = 0
    deliveries: int = 0
    mismatches: int = 0
    pending: int = 0
    answers_5xx: int = 0
    bad_copies: Counter = field(default_factory=Counter)  # forged / stale / future: sent
    refused: Counter = field(default_factory=Counter)  # … and answered 400
    lost_enqueues: int = 0
    interleaved: int = 0
    refunds: int = 0  # made at Stripe, after a paid top-up or card checkout
    disputes: int = 0
    card_checkouts: int = 0  # paid by card

    def lines(self) -> list[str]:
        bad = ", ".join(
            f"{kind} {self.refused[kind]}/{self.bad_copies[kind]} refused"
            for kind in ("forged", "stale", "future")
        )
        return [
            f"billing property: sequences {self.sequences}, events {self.events}, "
            f"deliveries {self.deliveries}",
            f"  mismatches {self.mismatches}, pending {self.pending}, 5xx {self.answers_5xx}",
            f"  {bad}",
            f"  enqueues lost (applied by the sweep) {self.lost_enqueues}, "
            f"applies interleaved {self.interleaved}",
            f"  card checkouts paid {self.card_checkouts}, refunds at Stripe {self.refunds}, "
            f"disputes {self.disputes}",
        ]


FIGURES = Figures()


@dataclass
class World:
    """What stays the same across runs: the tenant, its owner and one client, the fake."""

    fake: Any
    tenant: Any
    owner: Client
    guest: Any
    browser: Client
    intake: Client
    customer: str
    saved: dict[str, Any]
    event: Any = None  # a paid event the client books by card
    current_delivery: "Delivery | None" = None

    def restore_fake(self) -> None:
        for name, value in copy.deepcopy(self.saved).items():
            setattr(self.fake, name, value)


def _play(world: World, op: tuple) -> None:
    """One thing the owner or the client does at Stripe (nothing, when it makes no sense now)."""
    fake = world.fake
    try:
        if op[0] == "switch":
            response = world.owner.post("/staff/billing/checkout/", {"plan": op[1]})
            assert response.status_code == 302, response.content[:300]
            fake.pay_checkout(response["Location"].rsplit("/", 1)[1])
        elif op[0] == "fail":
            fake.fail_payment(world.customer)
        elif op[0] == "recover":
            fake.recover_payment(world.customer)
        elif op[0] == "cancel":
            fake.cancel(world.customer)
        elif op[0] == "topup":
            session_id = start_top_up(world.browser, op[1])
            if op[2] == "abandoned":
                return
            fake.pay_checkout(session_id, delayed=op[2] != "paid")
            if op[2] != "paid":
                fake.settle_payment(session_id, succeeded=op[2] == "delayed_ok")
        elif op[0] == "card":
            with tenant_context(world.tenant):
                checkout = checkout_open_booking(client=world.guest, event=world.event, seats=1)
            started = world.browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "card"})
            session_id = started["Location"].rsplit("/", 1)[1]
            if op[1] == "declined":
                fake.payment_act(session_id, "decline")
                return
            fake.payment_act(session_id, "pay")
            if op[1] == "paid_return":
                world.browser.get(f"/checkout/{checkout.token}/card/", {"session": session_id})
        elif op[0] in ("refund", "dispute"):
            charges = [c for c in fake.of_kind("charge")
                       if c["amount_refunded"] < c["amount"] and not c["disputed"]]  # fmt: skip
            if not charges:
                return
            charge = charges[-1]
            if op[0] == "refund":
                left = charge["amount"] - charge["amount_refunded"]
                fake.refund(charge["id"], min(op[1] or left, left))
            else:
                dispute = fake.dispute(charge["id"])
                if op[1] != "open":
                    fake.dispute_close(dispute["id"], won=op[1] == "won")
    except StripeError:  # no live subscription to fail, recover or cancel
        pass


def _final(world: World) -> tuple:
    sub = Subscription.objects.select_related("plan").get(tenant=world.tenant)
    world.tenant.refresh_from_db()
    with tenant_context(world.tenant):
        ledger = sorted(
            (entry.idempotency_key, entry.amount)
            for entry in LedgerEntry.objects.filter(idempotency_key__startswith="stripe")
        )
        card_checkouts = Checkout.objects.filter(payment="card").exclude(status="open")
        card = (card_checkouts.count(), sum((c.refunded for c in card_checkouts), Decimal(0)))
    return (
        card,
        sub.status,
        sub.plan.code,
        sub.stripe_subscription_id,
        sub.cancel_at_period_end,
        sub.trial_ends_at is None,
        sub.past_due_since is None,
        world.tenant.status,
        tuple(ledger),
    )


def _paid_top_ups(fake) -> list[tuple[str, Decimal]]:
    """What the ledger must hold by Stripe's account of it: each paid top-up, less each refund
    made at Stripe and each dispute's withdrawal, plus each won dispute's reinstatement. A card
    checkout's refund or dispute is money back to the card (positive, on the card account)."""
    cents = lambda minor: Decimal(minor) / 100  # noqa: E731
    sessions = [s for s in fake.of_kind("checkout.session") if s.get("mode") == "payment"]
    sign = {s["payment_intent"]: -1 if s["metadata"]["kind"] == "topup" else 1
            for s in sessions if s.get("payment_intent")}  # fmt: skip
    moves = [
        (f"stripe:{s['id']}", cents(s["amount_total"]))
        for s in sessions
        if s["payment_status"] == "paid" and s["metadata"]["kind"] == "topup"
    ]
    moves += [
        (f"stripe-refund:{r['id']}", sign[r["payment_intent"]] * cents(r["amount"]))
        for r in fake.of_kind("refund")
        if not r["metadata"].get("kabinet_key")  # Kabinet's own refunds have Kabinet's keys
    ]
    for dispute in fake.of_kind("dispute"):
        amount = sign[dispute["payment_intent"]] * cents(dispute["amount"])
        moves.append((f"stripe-dispute:{dispute['id']}", amount))
        if dispute["status"] == "won":
            moves.append((f"stripe-dispute:{dispute['id']}:reinstated", -amount))
    return sorted(moves)


class Delivery:
    """Stripe's side and the workers: plays the scenario's steps at the fake, delivers their
    events, and runs the apply tasks the intake queued. In order (`rng` None): each event once,
    applied at once. With chaos: copies, shuffles, late deliveries, bad copies, lost queueing,
    applies in any order — and, while an apply is between its read of Stripe and its write,
    Stripe may move on and other applies may run."""

    def __init__(self, world: World, scenario: list[tuple], rng: random.Random | None, capture):
        self.world, self.rng, self.capture = world, rng, capture
        self.remaining = list(scenario)
        self.queue: list[int] = []  # events whose apply task is queued
        self.late: list[dict] = []  # events Stripe has not delivered yet
        self.sent = 0
        self.interleaved = self.lost = 0

    def run(self) -> None:
        while self.remaining:
            self.play_next()
            if self.rng is None:
                continue
            # some events arrive now, the others after later changes at Stripe
            self.rng.shuffle(self.late)
            now = [e for e in self.late if self.rng.random() < 0.6]
            self.late = [e for e in self.late if e not in now]
            self.deliver(now)
        if self.rng is not None:
            late, self.late = self.late, []
            self.deliver(late)
        self.run_all()

    def play_next(self) -> None:
        _play(self.world, self.remaining.pop(0))
        fresh = self.world.fake.events[self.sent :]
        self.sent = len(self.world.fake.events)
        if self.rng is None:
            for event in fresh:
                assert self.post(event) == 200
        else:
            self.late += fresh

    def post(self, event: dict, **kwargs) -> int:
        with self.capture() as callbacks:
            status = deliver(self.world.intake, event, **kwargs).status_code
        for callback in callbacks:
            if self.rng and self.rng.random() < 0.1:
                self.lost += 1  # the broker refused: only the sweep will apply it
            else:
                self.queue.append(callback.args[0])
        if self.rng is None:
            self.run_all()
        return status

    def deliver(self, events: list[dict]) -> None:
        """Each event one to five times, some bad copies among them, all shuffled; workers
        pick some of the queued applies up meanwhile."""
        rng = self.rng
        assert rng is not None
        copies: list[tuple[str, dict]] = []
        for event in events:
            copies += [("good", event)] * rng.randint(1, 5)
            if rng.random() < 0.3:
                copies.append((rng.choice(["forged", "stale", "future"]), event))
        rng.shuffle(copies)
        for kind, event in copies:
            kwargs: dict[str, Any] = {}
            if kind == "forged":
                kwargs["secret"] = "whsec_someone_else"
            elif kind == "stale":
                kwargs["timestamp"] = int(time.time()) - 3600
            elif kind == "future":
                kwargs["timestamp"] = int(time.time()) + 3600
            status = self.post(event, **kwargs)
            FIGURES.deliveries += 1
            FIGURES.answers_5xx += status >= 500
            if kind == "good":
                assert status == 200
            else:
                FIGURES.bad_copies[kind] += 1
                FIGURES.refused[kind] += status == 400
                assert status == 400, f"a {kind} copy was answered {status}"
            if rng.random() < 0.3:
                for _ in range(rng.randint(1, 3)):
                    self.apply_one()

    def apply_one(self) -> None:
        if self.queue:
            index = self.rng.randrange(len(self.queue)) if self.rng else 0
            self.apply(self.queue.pop(index))

    def run_all(self) -> None:
        while self.queue:
            self.apply_one()

    def apply(self, pk: int) -> None:
        for _try in range(10):  # the task's retries
            try:
                webhooks.stripe_event_apply(pk)
                return
            except gateway.StripeFailure:
                continue

    def between_read_and_write(self) -> None:
        """Called inside an apply, after it read Stripe: Stripe may move on (and deliver what
        that sends), and other applies may run, before this one writes."""
        if self.rng is None or self.rng.random() >= 0.3:
            return
        self.interleaved += 1
        if self.remaining and self.rng.random() < 0.5:
            self.play_next()
            fresh, self.late = self.late, []
            self.deliver(fresh)
        self.apply_one()


def _run(world: World, scenario: list[tuple], rng: random.Random | None, capture) -> tuple:
    """Play `scenario` from the saved start and deliver its events (in order, or with chaos):
    the final state. The database and the fake are restored afterwards."""
    savepoint = transaction.savepoint()
    world.restore_fake()
    delivery = Delivery(world, scenario, rng, capture)
    try:
        world.current_delivery = delivery
        delivery.run()
        if rng is not None:
            webhooks.stripe_events_sweep(now=timezone.now() + dt.timedelta(minutes=6))
            FIGURES.lost_enqueues += delivery.lost
            FIGURES.interleaved += delivery.interleaved
        pending = StripeEvent.objects.filter(outcome="pending").count()
        FIGURES.pending += pending if rng is not None else 0
        assert pending == 0, list(StripeEvent.objects.filter(outcome="pending").values())
        final = _final(world)
        assert final[-1] == tuple(_paid_top_ups(world.fake)), "the ledger does not match"
        if rng is not None:
            FIGURES.events += len(world.fake.events)
            FIGURES.refunds += len(world.fake.of_kind("refund"))
            FIGURES.disputes += len(world.fake.of_kind("dispute"))
            FIGURES.card_checkouts += final[0][0]
        return final
    finally:
        world.current_delivery = None
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def world(hotel, stripe_fake, owner_client, monkeypatch) -> World:
    # given a tenant with its Stripe customer, its plans at Stripe, a connected account that
    # takes payments, and a client who can top up
    customer = customer_ensure(hotel)
    for code in PLANS:
        plan_sync(Plan.objects.get(code=code))
    connect(stripe_fake, hotel)
    guest, browser = a_guest(hotel)
    with tenant_context(hotel):
        start = timezone.now() + dt.timedelta(days=5)
        end = start + dt.timedelta(hours=2)
        event = Event.objects.create(
            title="Boat trip", starts_at=start, ends_at=end, price=Decimal("25.00"), capacity=500
        )
    stripe_fake.events.clear()
    saved = {
        name: copy.deepcopy(getattr(stripe_fake, name))
        for name in ("objects", "events", "meter_events", "idempotent", "counter")
    }
    world = World(
        fake=stripe_fake, tenant=hotel, owner=owner_client, guest=guest, browser=browser,
        intake=Client(HTTP_HOST="localhost", raise_request_exception=False),
        customer=customer, saved=saved, event=event,
    )  # fmt: skip
    real_read = gateway.subscription_current

    def read_then_maybe_let_another_apply_in(customer_id: str):
        state = real_read(customer_id)
        if world.current_delivery is not None:
            world.current_delivery.between_read_and_write()
        return state

    monkeypatch.setattr(gateway, "subscription_current", read_then_maybe_let_another_apply_in)
    real_payment_read = gateway.card_payment_state

    def read_payment_then_maybe_let_another_apply_in(**kwargs: Any):
        state = real_payment_read(**kwargs)
        if world.current_delivery is not None:
            world.current_delivery.between_read_and_write()
        return state

    monkeypatch.setattr(gateway, "card_payment_state", read_payment_then_maybe_let_another_apply_in)
    return world


def test_any_delivery_of_any_scenario_ends_as_one_in_order_delivery(
    world, django_capture_on_commit_callbacks, capsys
):
    capture = django_capture_on_commit_callbacks

    @settings(
        max_examples=SEQUENCES,
        deadline=None,
        derandomize=SEQUENCES <= 20,  # the suite's run is the same every time
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(scenario=SCENARIOS, rng=st.randoms(use_true_random=False))
    def check(scenario: list[tuple], rng: random.Random) -> None:
        # when the scenario's events are delivered once in order, and then with chaos
        in_order = _run(world, scenario, None, capture)
        chaotic = _run(world, scenario, rng, capture)
        FIGURES.sequences += 1
        # then both end the same
        FIGURES.mismatches += chaotic != in_order
        assert chaotic == in_order

    try:
        check()
    finally:
        if REPORT:
            with capsys.disabled():
                sys.stdout.write("\n" + "\n".join(FIGURES.lines()) + "\n")
    assert FIGURES.mismatches == FIGURES.pending == FIGURES.answers_5xx == 0
    assert FIGURES.refused == FIGURES.bad_copies
