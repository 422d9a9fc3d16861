"""Stripe's webhooks: received (verified, stored once, answered at once) and applied (by a task).

    POST /billing/stripe/webhook/   on the platform's own host

Receiving checks the signature and its timestamp against the endpoint secret on the raw body,
stores the event under its unique id and answers 200; the same event delivered again is
answered 200 and not applied again. Applying reads the subscription's current state from
Stripe (billing.subscriptions.subscription_sync), so order of delivery does not matter.
"""

import json
import logging
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import gateway, payments
from billing.models import PaymentAccount, StripeEvent, Subscription
from billing.subscriptions import subscription_sync

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
    }
)


def _answer(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": message, **extra}, status=status)


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
        log.warning("stripe webhook with a bad or stale signature refused")
        return _answer(400, "The signature does not match, or its timestamp is too old.")
    except ValueError:
        return _answer(400, "The body is not a JSON Stripe event.")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        return _answer(400, "The event has no id or type.")
    stored, created = _store(event)
    if created:
        from billing.tasks import apply_stripe_event

        transaction.on_commit(lambda: apply_stripe_event.delay(stored.pk))
    return _answer(200, "received", duplicate=not created)


def _customer_of(event: dict[str, Any]) -> str:
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        return ""
    customer = obj.get("customer") if obj.get("object") != "customer" else obj.get("id")
    if isinstance(customer, dict):  # expanded
        customer = customer.get("id")
    return customer if isinstance(customer, str) else ""


@transaction.atomic
def _store(event: dict[str, Any]) -> tuple[StripeEvent, bool]:
    return StripeEvent.objects.get_or_create(
        event_id=event["id"][:255],
        defaults={
            "type": event["type"][:128],
            "customer_id": _customer_of(event)[:64],
            # Stripe's library reads `*_decimal` fields (a fraction of a cent) as Decimal.
            "payload": json.loads(json.dumps(event, cls=DjangoJSONEncoder)),
        },
    )


def stripe_event_apply(event_pk: int) -> str:
    """Apply a stored event once; returns its outcome. Safe to repeat."""
    event = StripeEvent.objects.get(pk=event_pk)
    if event.outcome != StripeEvent.Outcome.PENDING:
        return event.outcome
    connected = event.payload.get("account")
    if isinstance(connected, str) and connected:
        return _connected_apply(event, connected)
    if event.type not in SUBSCRIPTION_EVENTS:
        return _done(event, StripeEvent.Outcome.SKIPPED, f"not an event Kabinet uses: {event.type}")
    subscription = (
        Subscription.objects.filter(stripe_customer_id=event.customer_id).first()
        if event.customer_id
        else None
    )
    if subscription is None:
        log.warning(
            "stripe event %s for unknown customer %r skipped", event.event_id, event.customer_id
        )
        return _done(event, StripeEvent.Outcome.SKIPPED, "no tenant has this customer")
    result = subscription_sync(subscription)  # network: outside any transaction
    note = (
        "Stripe has no subscription for the customer"
        if result is None
        else f"subscription {result.status} on {result.plan}"
        + (f"; tenant moved to {result.moved_to}" if result.moved_to else "")
    )
    return _done(event, StripeEvent.Outcome.APPLIED, note)


def _connected_apply(event: StripeEvent, account_id: str) -> str:
    """An event on a business's own account (Stripe Connect): its onboarding moved on, or a
    client paid. Either way the current state is read from Stripe, not taken from the event."""
    account = (
        PaymentAccount.objects.select_related("tenant").filter(stripe_account=account_id).first()
    )
    if account is None:
        return _done(event, StripeEvent.Outcome.SKIPPED, "no tenant has this account")
    if event.type == "account.updated":
        synced = payments.account_sync(account.tenant)  # network: outside any transaction
        return _done(
            event, StripeEvent.Outcome.APPLIED, f"charges enabled: {synced.charges_enabled}"
        )
    obj = (event.payload.get("data") or {}).get("object") or {}
    if event.type == "checkout.session.completed" and isinstance(obj, dict):
        result = payments.topup_sync(tenant=account.tenant, session_id=str(obj.get("id", "")))
        note = f"top-up {result.amount} {result.currency} " + ("paid" if result.paid else "unpaid")
        return _done(event, StripeEvent.Outcome.APPLIED, note)
    return _done(event, StripeEvent.Outcome.SKIPPED, f"not an event Kabinet uses: {event.type}")


def _done(event: StripeEvent, outcome: str, note: str) -> str:
    StripeEvent.objects.filter(pk=event.pk, outcome=StripeEvent.Outcome.PENDING).update(
        outcome=outcome, note=note[:500], processed_at=timezone.now()
    )
    return outcome
