"""The Stripe side of the business's own recurring plans for its clients (cabinet.memberships):
a plan is a Product and a Price on the business's connected account, a client subscribes through
a Checkout session in subscription mode on that account, and pauses, resumes or cancels there.
Billing knows nothing of clients or plans beyond the references the cabinet gives it
(`client_ref`, `plan_ref`), which travel in the subscription's metadata with the tenant's id.

Webhooks of the connected account about subscriptions and invoices are routed here
(billing.webhooks._connected_apply): billing announces `client_subscription_changed` and the
cabinet reads the subscription's current state from Stripe, so duplicates and reordering change
nothing (newest state wins)."""

import logging
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from billing import gateway, payments
from billing.signals import client_subscription_changed
from tenants.models import Tenant

log = logging.getLogger(__name__)

StripeFailure = gateway.StripeFailure  # Stripe could not be reached or refused the call
ConnectedSubscription = gateway.ConnectedSubscription
ConnectedInvoice = gateway.ConnectedInvoice


class PlansUnavailable(Exception):
    """The business takes no card payments (yet), or Stripe could not be reached; the message is
    safe to show."""


def _account(tenant: Tenant) -> str:
    if not payments.card_payments_enabled(tenant):
        raise PlansUnavailable(gettext("This business does not take card payments yet."))
    account = payments.account_for(tenant)
    assert account is not None
    return account.stripe_account


def _unavailable(exc: Exception) -> PlansUnavailable:
    log.warning("stripe call for a client subscription failed: %s", exc)
    return PlansUnavailable(
        gettext("Payments are unavailable right now. Please try again in a few minutes.")
    )


def plan_publish(
    *, tenant: Tenant, plan_ref: str, name: str, amount: Decimal, currency: str, months: int,
    product_id: str, terms_key: str,
) -> tuple[str, str]:  # fmt: skip
    """The plan's Product (made once) and a Price for its current terms on the business's
    account: (product id, price id). Safe to repeat: the idempotency keys name the terms."""
    account = _account(tenant)
    try:
        product = product_id or gateway.connected_product_create(
            account=account, name=name, key=f"{tenant.pk}:{plan_ref}"
        )
        price = gateway.connected_price_create(
            account=account, product=product, amount=amount, currency=currency, months=months,
            key=f"{tenant.pk}:{plan_ref}:{terms_key}",
        )  # fmt: skip
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        raise _unavailable(exc) from exc
    return product, price


def checkout_start(
    *, tenant: Tenant, customer: str, email: str, name: str, client_ref: str, plan_ref: str,
    price: str, success_url: str, cancel_url: str, attempt: str,
) -> tuple[str, str]:  # fmt: skip
    """A Checkout session in subscription mode for the client: (its URL, the client's customer
    on the business's account — opened now when `customer` is empty)."""
    account = _account(tenant)
    metadata = {"kind": "membership", "tenant_id": str(tenant.pk), "client": client_ref,
                "plan": plan_ref}  # fmt: skip
    try:
        customer = customer or gateway.connected_customer_create(
            account=account, email=email, name=name, key=f"{tenant.pk}:{client_ref}"
        )
        url = gateway.membership_session_create(
            account=account, customer=customer, price=price, metadata=metadata,
            success_url=success_url, cancel_url=cancel_url,
            key=f"{tenant.pk}:{client_ref}:{plan_ref}:{attempt}",
        )  # fmt: skip
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        raise _unavailable(exc) from exc
    return url, customer


def _ours(tenant: Tenant, metadata: dict[str, str]) -> bool:
    return metadata.get("kind") == "membership" and metadata.get("tenant_id") == str(tenant.pk)


def session_subscription(*, tenant: Tenant, session_id: str, client_ref: str) -> str:
    """The subscription a client's Checkout session started ("" when none yet, or when the
    session is not this business's and this client's)."""
    account = payments.account_for(tenant)
    if account is None or not session_id.startswith("cs_") or len(session_id) > 255:
        return ""
    try:
        session = gateway.connected_session_get(
            account=account.stripe_account, session_id=session_id
        )
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        raise _unavailable(exc) from exc
    if session is None or not _ours(tenant, session.metadata):
        return ""
    return session.subscription if session.metadata.get("client") == client_ref else ""


def subscription_read(
    *, tenant: Tenant, subscription_id: str
) -> gateway.ConnectedSubscription | None:
    """The subscription as Stripe has it now; None when it is not one of this business's
    clients' subscriptions to its plans."""
    account = payments.account_for(tenant)
    if account is None:
        return None
    current = gateway.connected_subscription_get(
        account=account.stripe_account, subscription_id=subscription_id
    )
    return current if current is not None and _ours(tenant, current.metadata) else None


def invoice_read(*, tenant: Tenant, invoice_id: str) -> gateway.ConnectedInvoice | None:
    account = payments.account_for(tenant)
    if account is None or not invoice_id:
        return None
    return gateway.connected_invoice_get(account=account.stripe_account, invoice_id=invoice_id)


def subscription_change(*, tenant: Tenant, subscription_id: str, action: str, attempt: str) -> None:
    """pause / resume / cancel (at the period's end) / keep (undo the cancellation)."""
    changes: dict[str, Any] = {
        "pause": {"pause_collection": {"behavior": "void"}},
        "resume": {"pause_collection": ""},
        "cancel": {"cancel_at_period_end": True},
        "keep": {"cancel_at_period_end": False},
    }[action]
    account = _account(tenant)
    try:
        gateway.connected_subscription_update(
            account=account, subscription_id=subscription_id, changes=changes,
            key=f"{tenant.pk}:{subscription_id}:{action}:{attempt}",
        )  # fmt: skip
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        raise _unavailable(exc) from exc


def customer_anonymise(*, tenant: Tenant, customer: str) -> None:
    """Erase the name, email and phone of a client's Stripe customer on the business's account."""
    account = _account(tenant)
    try:
        gateway.connected_customer_anonymise(
            account=account, customer=customer, key=f"{tenant.pk}:{customer}"
        )
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        raise _unavailable(exc) from exc


# -- webhooks of the connected account ------------------------------------------------------------

CHECKOUT_EVENTS = frozenset({"checkout.session.completed",
                             "checkout.session.async_payment_succeeded",
                             "checkout.session.async_payment_failed"})  # fmt: skip


def concerns(event_type: str, obj: dict[str, Any]) -> bool:
    """Whether a connected account's event is about a client's subscription."""
    if event_type.startswith("customer.subscription."):
        return True
    if event_type.startswith("invoice."):
        return bool(obj.get("subscription") or obj.get("parent"))
    return event_type in CHECKOUT_EVENTS and obj.get("mode") == "subscription"


def event_apply(*, tenant: Tenant, event_type: str, obj: dict[str, Any]) -> tuple[bool, str]:
    """Announce that the subscription the event is about may have changed; (applied, note).
    Nothing is taken from the event but the ids: the cabinet reads the rest from Stripe."""
    invoice_id = ""
    if event_type.startswith("customer.subscription."):
        subscription_id = obj.get("id")
    elif event_type.startswith("invoice."):
        invoice_id = str(obj.get("id") or "")
        subscription_id = obj.get("subscription") or (
            ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        )
    else:
        subscription_id = obj.get("subscription")
    if not isinstance(subscription_id, str) or not subscription_id.startswith("sub_"):
        return False, "no subscription in the event"
    answers = client_subscription_changed.send(
        sender=Tenant, tenant=tenant, subscription_id=subscription_id, invoice_id=invoice_id
    )
    notes = [str(note) for _receiver, note in answers if note]
    if not notes:
        return False, f"subscription {subscription_id} is not a client's membership"
    return True, "; ".join(notes)
