"""Stripe's webhooks: received (verified, stored once, answered at once) and applied (by a task).

    POST /billing/stripe/webhook/   on the platform's own host

Receiving checks the signature and its timestamp (neither stale nor from the future) against
the endpoint secret on the raw body, stores the event under its unique id and answers 200. The
apply task is queued when the event's row commits; a failed queueing is logged, and the
periodic sweep (`stripe_events_sweep`, every minute) applies whatever is still pending after a
few minutes. The same event delivered again is answered 200 "duplicate" once it was applied;
while it is still pending, the delivery queues its apply again.

Applying reads the object's current state from Stripe (billing.subscriptions.subscription_sync,
billing.payments.topup_sync, card_checkout_sync, card_payment_sync), so order of delivery does
not matter; a failure is retried by the task with back-off, then by the sweep, and an event
still pending after an hour is reported to Sentry and listed in the control panel
(/control/plans/events/). An event for a customer or account Kabinet does not know yet waits (it
may be one being opened) and is skipped only after `UNKNOWN_WAIT`.
"""

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import sentry_sdk
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import client_subscriptions, gateway, payments
from billing.models import PaymentAccount, StripeEvent, Subscription
from billing.subscriptions import subscription_sync
from tenants.tasks_base import task_named

log = logging.getLogger(__name__)

# Events that mean "the subscription may have changed": each makes us read it from Stripe.
SUBSCRIPTION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "invoice.paid",
        "invoice.payment_failed",
        "invoice.payment_succeeded",
        # a subscription's first payment by a delayed method (a bank debit) cleared or failed
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
    }
)


def _answer(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": message, **extra}, status=status)


# A pending event older than this is applied again by the sweep; older than ALERT_AFTER, it is
# reported. An event about a customer nobody has is kept this long before it is skipped.
SWEEP_AFTER = dt.timedelta(minutes=5)
ALERT_AFTER = dt.timedelta(hours=1)
UNKNOWN_WAIT = dt.timedelta(minutes=30)
SWEEP_BATCH = 200


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if not settings.STRIPE_WEBHOOK_SECRET:
        return _answer(503, "This installation has no Stripe webhook secret configured.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.STRIPE_WEBHOOK_MAX_BYTES:
        return _answer(413, "The body is too large for a Stripe event.")
    payload = request.body
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return _answer(400, "Missing Stripe-Signature header.")
    try:
        event = gateway.webhook_event(payload, signature)
    except gateway.SignatureInvalid:
        log.warning("stripe webhook with a bad, stale or future signature refused")
        return _answer(400, "The signature does not match, or its timestamp is out of range.")
    except ValueError:
        return _answer(400, "The body is not a JSON Stripe event.")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        return _answer(400, "The event has no id or type.")
    created = _created_at(event)
    if created is False:
        return _answer(400, "The event's creation time is not a time, or is in the future.")
    stored, new = _store(event, created or None)
    return _answer(
        200,
        "received",
        duplicate=not new,
        applying=stored.outcome == StripeEvent.Outcome.PENDING,
    )


def _created_at(event: dict[str, Any]) -> dt.datetime | Literal[False] | None:
    """Stripe's `created` of the event; None when absent, False when unusable."""
    created = event.get("created")
    if created is None:
        return None
    if isinstance(created, bool) or not isinstance(created, int):
        return False
    limit = time.time() + settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    if not 0 < created <= limit:
        return False
    return dt.datetime.fromtimestamp(created, dt.UTC)


def _customer_of(event: dict[str, Any]) -> str:
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        return ""
    customer = obj.get("customer") if obj.get("object") != "customer" else obj.get("id")
    if isinstance(customer, dict):  # expanded
        customer = customer.get("id")
    return customer if isinstance(customer, str) else ""


def _store(event: dict[str, Any], created: dt.datetime | None) -> tuple[StripeEvent, bool]:
    """The event's row, stored once; its apply is queued when the row commits — for a new
    event, and again for one stored earlier and still pending (a retried delivery)."""
    with transaction.atomic():
        stored, new = StripeEvent.objects.get_or_create(
            event_id=event["id"][:255],
            defaults={
                "type": event["type"][:128],
                "customer_id": _customer_of(event)[:64],
                "created_at": created,
                # Stripe's library reads `*_decimal` fields (a fraction of a cent) as Decimal.
                "payload": json.loads(json.dumps(event, cls=DjangoJSONEncoder)),
            },
        )
        if stored.outcome == StripeEvent.Outcome.PENDING:
            transaction.on_commit(partial(stripe_event_enqueue, stored.pk))
    return stored, new


def stripe_event_enqueue(event_pk: int) -> None:
    """Queue the event's apply; when the broker cannot take it, the sweep applies it later."""
    apply_stripe_event = task_named("billing.apply_stripe_event")

    try:
        apply_stripe_event.delay(event_pk)
    except Exception:  # the broker is down: the event is stored, the sweep is the safety net
        log.exception("could not queue stripe event %s; the sweep will apply it", event_pk)


def stripe_event_apply(event_pk: int) -> str:
    """Apply a stored event once; returns its outcome (`pending` while it waits for something).
    Safe to repeat and to run twice at once: whatever it applies is read from Stripe now, and
    the outcome is recorded only on a pending row. Errors are recorded and raised (retried)."""
    StripeEvent.objects.filter(pk=event_pk, outcome=StripeEvent.Outcome.PENDING).update(
        attempts=F("attempts") + 1
    )
    event = StripeEvent.objects.get(pk=event_pk)
    if event.outcome != StripeEvent.Outcome.PENDING:
        return event.outcome
    try:
        outcome, note = _apply(event)
    except Exception as exc:
        StripeEvent.objects.filter(pk=event.pk, outcome=StripeEvent.Outcome.PENDING).update(
            last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise
    if outcome == StripeEvent.Outcome.PENDING:
        StripeEvent.objects.filter(pk=event.pk, outcome=outcome).update(note=note[:500])
        return outcome
    return _done(event, outcome, note)


Outcome = tuple[str, str]


def _apply(event: StripeEvent) -> Outcome:
    connected = event.payload.get("account")
    if isinstance(connected, str) and connected:
        return _connected_apply(event, connected)
    if event.type not in SUBSCRIPTION_EVENTS:
        return StripeEvent.Outcome.SKIPPED, f"not an event Kabinet uses: {event.type}"
    subscription = (
        Subscription.objects.filter(stripe_customer_id=event.customer_id).first()
        if event.customer_id
        else None
    )
    if subscription is None:
        return _unknown(event, "no tenant has this customer")
    result = subscription_sync(subscription)  # network: outside any transaction
    if result is None:
        return StripeEvent.Outcome.APPLIED, "Stripe has no subscription for the customer"
    note = f"subscription {result.status} on {result.plan}"
    note += f"; tenant moved to {result.moved_to}" if result.moved_to else ""
    note += f"; {result.refused}" if result.refused else ""
    return StripeEvent.Outcome.APPLIED, note


def _unknown(event: StripeEvent, why: str) -> Outcome:
    """Wait for a customer or account being opened right now; skip it once it is clearly not
    one of ours."""
    if timezone.now() - event.received_at < UNKNOWN_WAIT:
        return StripeEvent.Outcome.PENDING, f"{why} yet: waiting"
    log.warning("stripe event %s skipped: %s (%r)", event.event_id, why, event.customer_id)
    return StripeEvent.Outcome.SKIPPED, why


# Checkout events of a one-time payment (a client's top-up): each makes us read the session.
PAYMENT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",  # a delayed method (a bank debit) cleared
        "checkout.session.async_payment_failed",
    }
)


# What may happen to a client's card payment after it was made: a refund (from Kabinet or the
# business's Stripe dashboard), a dispute opened, its funds withdrawn, reinstated, decided.
CARD_AFTER_EVENTS = frozenset(
    {
        "charge.refunded",
        "charge.refund.updated",
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)


def _card_payment_changed(tenant: Any, obj: dict[str, Any]) -> Outcome:
    """Read the whole payment (its refunds and disputes) from Stripe now, whichever of them the
    event is about, and let the cabinet's ledger follow it."""
    intent = obj.get("payment_intent")
    intent = intent.get("id") if isinstance(intent, dict) else intent
    charge = obj.get("id") if obj.get("object") == "charge" else obj.get("charge")
    charge = charge.get("id") if isinstance(charge, dict) else charge
    state = payments.card_payment_sync(  # network: outside any transaction
        tenant=tenant,
        payment_intent=intent if isinstance(intent, str) else "",
        charge=charge if isinstance(charge, str) else "",
    )
    if state is None:
        return StripeEvent.Outcome.SKIPPED, "not a client payment made through Kabinet"
    refunded = sum((r.amount for r in state.refunds if r.succeeded), start=0)
    disputed = sum((d.amount for d in state.disputes if d.funds_withdrawn), start=0)
    return StripeEvent.Outcome.APPLIED, (
        f"{state.session.kind} {state.session.amount} {state.session.currency}: "
        f"refunded {refunded}, disputed {disputed}"
    )


def _connected_apply(event: StripeEvent, account_id: str) -> Outcome:
    """An event on a business's own account (Stripe Connect): its onboarding moved on, or a
    client paid. Either way the current state is read from Stripe, not taken from the event."""
    account = (
        PaymentAccount.objects.select_related("tenant").filter(stripe_account=account_id).first()
    )
    if account is None:
        return _unknown(event, "no tenant has this account")
    if event.type == "account.updated":
        synced = payments.account_sync(account.tenant)  # network: outside any transaction
        return StripeEvent.Outcome.APPLIED, f"charges enabled: {synced.charges_enabled}"
    obj = (event.payload.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        return StripeEvent.Outcome.SKIPPED, "the event carries no object"
    if client_subscriptions.concerns(event.type, obj):
        # a client's subscription to one of the business's own plans
        applied, note = client_subscriptions.event_apply(
            tenant=account.tenant, event_type=event.type, obj=obj
        )  # network: outside any transaction
        return (StripeEvent.Outcome.APPLIED if applied else StripeEvent.Outcome.SKIPPED), note
    if event.type in CARD_AFTER_EVENTS:
        return _card_payment_changed(account.tenant, obj)
    if event.type in PAYMENT_EVENTS:
        card = payments.card_checkout_sync(tenant=account.tenant, session_id=str(obj.get("id", "")))
        if card is not None:  # a checkout paid by card, not a top-up
            state = "paid" if card.paid else "unpaid"
            return StripeEvent.Outcome.APPLIED, f"checkout {card.amount} {card.currency} {state}"
        result = payments.topup_sync(tenant=account.tenant, session_id=str(obj.get("id", "")))
        state = "paid" if result.paid else "unpaid"
        if event.type.endswith("async_payment_failed") and not result.paid:
            state = "failed, nothing credited"
        return StripeEvent.Outcome.APPLIED, f"top-up {result.amount} {result.currency} {state}"
    return StripeEvent.Outcome.SKIPPED, f"not an event Kabinet uses: {event.type}"


def _done(event: StripeEvent, outcome: str, note: str) -> str:
    StripeEvent.objects.filter(pk=event.pk, outcome=StripeEvent.Outcome.PENDING).update(
        outcome=outcome, note=note[:500], processed_at=timezone.now(), last_error=""
    )
    return outcome


# -- the safety net ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    applied: int  # reached a final outcome in this sweep
    pending: int  # still pending after it
    failed: int  # raised again
    alerted: int  # newly reported as stuck


def stripe_events_sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Apply again every event still pending after SWEEP_AFTER (the queueing failed, the task
    ran out of retries, a customer was being opened); report those pending past ALERT_AFTER
    to Sentry, once each. Runs every minute from Celery beat, in `public`."""
    now = now or timezone.now()
    due = list(
        StripeEvent.objects.filter(
            outcome=StripeEvent.Outcome.PENDING, received_at__lte=now - SWEEP_AFTER
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    applied = failed = 0
    for pk in due:
        try:
            outcome = stripe_event_apply(pk)
        except Exception:
            failed += 1
            log.warning("stripe event %s still fails", pk, exc_info=True)
            continue
        applied += outcome != StripeEvent.Outcome.PENDING
    return SweepReport(
        applied=applied,
        pending=StripeEvent.objects.filter(outcome=StripeEvent.Outcome.PENDING).count(),
        failed=failed,
        alerted=_alert_stuck(now),
    )


def stuck_events(now: dt.datetime | None = None) -> QuerySet[StripeEvent]:
    """Events pending past ALERT_AFTER: what the control panel shows as needing a look."""
    now = now or timezone.now()
    return StripeEvent.objects.filter(
        outcome=StripeEvent.Outcome.PENDING, received_at__lte=now - ALERT_AFTER
    ).order_by("received_at", "id")


def _alert_stuck(now: dt.datetime) -> int:
    stuck = list(stuck_events(now).filter(alerted_at__isnull=True)[:SWEEP_BATCH])
    for event in stuck:
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("stripe_event", event.event_id)
            scope.set_tag("stripe_event_type", event.type)
            scope.set_context(
                "stripe_event",
                {"attempts": event.attempts, "last_error": event.last_error, "note": event.note},
            )
            sentry_sdk.capture_message(
                f"Stripe event {event.event_id} ({event.type}) still pending after "
                f"{event.attempts} attempts",
                level="error",
            )
    StripeEvent.objects.filter(pk__in=[e.pk for e in stuck]).update(alerted_at=now)
    return len(stuck)
