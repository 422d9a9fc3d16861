"""The one module that imports `stripe`: every call Kabinet makes to Stripe, and the webhook
signature check. Each mutating call carries an idempotency key; reads have a short timeout.

Nothing here touches the database, and no caller may hold a transaction open across a call
here (network calls never run inside one).

`STRIPE_API_BASE` points the library at another server (tests and `make run` use a local fake
Stripe), so the library's own request code is what runs.
"""

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import stripe
from django.conf import settings

StripeFailure = stripe.StripeError
SignatureInvalid = stripe.SignatureVerificationError


class NotConfigured(RuntimeError):
    """No STRIPE_API_KEY: this installation does not take payments."""


def is_configured() -> bool:
    return bool(settings.STRIPE_API_KEY)


@cache
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=2,  # the library re-sends with the same idempotency key
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def client() -> stripe.StripeClient:
    if not is_configured():
        raise NotConfigured("STRIPE_API_KEY is not set")
    return _client(settings.STRIPE_API_KEY, settings.STRIPE_API_BASE)


def _key(key: str) -> dict[str, str]:
    return {"idempotency_key": f"kabinet:{key}"[:255]}


# -- customers, products, prices, meters ------------------------------------------------------


def customer_create(*, tenant_id: int, name: str, email: str, slug: str) -> str:
    customer = client().v1.customers.create(
        {
            "name": name,
            "email": email or None,
            "metadata": {"tenant_id": str(tenant_id), "slug": slug},
        },
        _key(f"customer:{tenant_id}"),
    )
    return customer.id


def product_create(*, code: str, name: str) -> str:
    product = client().v1.products.create(
        {"name": f"Kabinet {name}", "metadata": {"plan": code}}, _key(f"product:{code}")
    )
    return product.id


def cents(amount: Decimal) -> str:
    """Stripe's `unit_amount_decimal`: an amount in the currency's minor unit, up to 12 places."""
    return format((amount * 100).normalize(), "f")


def price_create_monthly(
    *, product: str, amount: Decimal, currency: str, label: str, version: str
) -> str:
    price = client().v1.prices.create(
        {
            "product": product,
            "currency": currency.lower(),
            "unit_amount": int((amount * 100).to_integral_value()),
            "recurring": {"interval": "month"},
            "metadata": {"label": label},
        },
        _key(f"price:{product}:{version}"),
    )
    return price.id


def price_create_metered(
    *,
    product: str,
    meter: str,
    included: int | None,
    overage: Decimal,
    currency: str,
    label: str,
    version: str,
) -> str:
    """A monthly metered price: free up to `included` units, `overage` each beyond (graduated)."""
    tiers: list[dict[str, Any]] = []
    if included:
        tiers.append({"up_to": included, "unit_amount": 0})
    tiers.append({"up_to": "inf", "unit_amount_decimal": cents(overage)})
    price = client().v1.prices.create(
        {
            "product": product,
            "currency": currency.lower(),
            "billing_scheme": "tiered",
            "tiers_mode": "graduated",
            "tiers": tiers,
            "recurring": {"interval": "month", "usage_type": "metered", "meter": meter},
            "metadata": {"label": label},
        },
        _key(f"metered:{product}:{meter}:{version}"),
    )
    return price.id


def meter_create(*, event_name: str, display_name: str, formula: str = "sum") -> str:
    """A Billing Meter: `sum` adds the period's events up; `last` keeps the period's last
    value (a gauge reading)."""
    meter = client().v1.billing.meters.create(
        {
            "display_name": display_name,
            "event_name": event_name,
            "default_aggregation": {"formula": formula},
        },
        _key(f"meter:{event_name}"),
    )
    return meter.id


def meters_by_event_name() -> dict[str, str]:
    return {m.event_name: m.id for m in client().v1.billing.meters.list({"limit": 100}).data}


# -- Checkout, the Customer Portal, subscriptions, invoices -----------------------------------


def checkout_session_create(
    *,
    customer: str,
    prices: list[str],
    success_url: str,
    cancel_url: str,
    tenant_id: int,
    plan_code: str,
    attempt: str,
) -> str:
    """A Checkout session for a subscription to `prices` (the first licensed, the rest metered):
    the URL to send the owner to."""
    line_items: list[dict[str, Any]] = [{"price": prices[0], "quantity": 1}]
    line_items += [{"price": price} for price in prices[1:]]
    session = client().v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer": customer,
            "line_items": line_items,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": str(tenant_id),
            "subscription_data": {"metadata": {"tenant_id": str(tenant_id), "plan": plan_code}},
        },
        _key(f"checkout:{tenant_id}:{attempt}"),
    )
    return session.url


def portal_session_create(*, customer: str, return_url: str, attempt: str) -> str:
    session = client().v1.billing_portal.sessions.create(
        {"customer": customer, "return_url": return_url}, _key(f"portal:{customer}:{attempt}")
    )
    return session.url


@dataclass(frozen=True)
class StripeSubscription:
    """What Kabinet needs of a Stripe subscription, as Stripe has it now."""

    id: str
    status: str  # Stripe's: active, trialing, past_due, unpaid, canceled, incomplete, …
    price_ids: frozenset[str]
    product_ids: frozenset[str]  # a plan's prices change when it is edited; its product does not
    current_period_start: dt.datetime | None
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    created: dt.datetime | None = None  # when Stripe created it: a plan switch makes a newer one


def _when(timestamp: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC) if timestamp else None


def subscription_current(customer: str) -> StripeSubscription | None:
    """The customer's newest subscription, read from Stripe now (not from any event)."""
    found = client().v1.subscriptions.list({"customer": customer, "status": "all", "limit": 10})
    if not found.data:
        return None
    live = [s for s in found.data if s.status not in ("canceled", "incomplete_expired")]
    sub = (live or sorted(found.data, key=lambda s: s.created, reverse=True))[0]
    raw = sub.to_dict()
    items = raw.get("items", {}).get("data", [])
    # The period moved from the subscription to its items in newer API versions.
    start = raw.get("current_period_start") or (
        items[0].get("current_period_start") if items else None
    )
    end = raw.get("current_period_end") or (items[0].get("current_period_end") if items else None)
    return StripeSubscription(
        id=sub.id,
        status=sub.status,
        price_ids=frozenset(item["price"]["id"] for item in items),
        product_ids=frozenset(
            product if isinstance(product, str) else product.get("id", "")
            for product in (item["price"].get("product") for item in items)
            if product
        ),
        current_period_start=_when(start),
        current_period_end=_when(end),
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
        created=_when(raw.get("created")),
    )


@dataclass(frozen=True)
class Invoice:
    number: str
    created: dt.datetime
    amount_due: Decimal
    amount_paid: Decimal
    currency: str
    status: str
    url: str


def invoices(customer: str, *, limit: int = 12) -> list[Invoice]:
    found = client().v1.invoices.list({"customer": customer, "limit": limit})
    return [
        Invoice(
            number=inv.number or inv.id,
            created=_when(inv.created) or dt.datetime.now(dt.UTC),
            amount_due=Decimal(inv.amount_due) / 100,
            amount_paid=Decimal(inv.amount_paid) / 100,
            currency=inv.currency.upper(),
            status=inv.status or "",
            url=inv.to_dict().get("hosted_invoice_url") or "",
        )
        for inv in found.data
    ]


# -- metering ---------------------------------------------------------------------------------


def meter_event_send(
    *, event_name: str, customer: str, value: int, identifier: str, timestamp: dt.datetime
) -> None:
    """One meter event. Stripe counts an identifier once (over at least 24 hours), and the
    idempotency key makes a retried request return the first answer."""
    client().v1.billing.meter_events.create(
        {
            "event_name": event_name,
            "payload": {"stripe_customer_id": customer, "value": str(value)},
            "identifier": identifier,
            "timestamp": int(timestamp.timestamp()),
        },
        _key(f"meter-event:{identifier}"),
    )


def meter_total(*, meter: str, customer: str, start: dt.datetime, end: dt.datetime) -> Decimal:
    """What Stripe has aggregated for the customer on the meter over [start, end)."""
    summaries = client().v1.billing.meters.event_summaries.list(
        meter,
        {
            "customer": customer,
            "start_time": int(start.timestamp()),
            "end_time": int(end.timestamp()),
        },
    )
    return sum((Decimal(str(s.aggregated_value)) for s in summaries.data), Decimal(0))


# -- Stripe Connect: each business's own account, and its clients' card payments --------------


def connected_account_create(*, tenant_id: int, name: str, email: str) -> str:
    account = client().v1.accounts.create(
        {
            "type": "express",
            "email": email or None,
            "business_profile": {"name": name},
            "metadata": {"tenant_id": str(tenant_id)},
        },
        _key(f"account:{tenant_id}"),
    )
    return account.id


def account_link_create(*, account: str, return_url: str, refresh_url: str) -> str:
    """A one-time link to Stripe's onboarding for the business's account."""
    link = client().v1.account_links.create(
        {
            "account": account,
            "type": "account_onboarding",
            "return_url": return_url,
            "refresh_url": refresh_url,
        }
    )
    return link.url


def connected_account_can_charge(account: str) -> bool:
    return bool(client().v1.accounts.retrieve(account).charges_enabled)


def topup_session_create(
    *, account: str, amount: Decimal, currency: str, tenant_id: int, client_ref: str,
    success_url: str, cancel_url: str, attempt: str,
) -> str:  # fmt: skip
    """A Checkout session (one payment) on the business's own account."""
    session = client().v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": int((amount * 100).to_integral_value()),
                        "product_data": {"name": "Balance top-up"},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": client_ref,
            "metadata": {"kind": "topup", "tenant_id": str(tenant_id), "client": client_ref},
        },
        {"stripe_account": account, **_key(f"topup:{tenant_id}:{client_ref}:{attempt}")},
    )
    return session.url


@dataclass(frozen=True)
class PaymentSession:
    id: str
    paid: bool
    amount: Decimal
    currency: str
    tenant_id: str
    client_ref: str


def topup_session_get(*, account: str, session_id: str) -> PaymentSession | None:
    """The session as Stripe has it now; None when the account has no such session."""
    try:
        session = client().v1.checkout.sessions.retrieve(
            session_id, options={"stripe_account": account}
        )
    except stripe.InvalidRequestError:
        return None
    metadata = session.to_dict().get("metadata") or {}
    if metadata.get("kind") != "topup":
        return None
    return PaymentSession(
        id=session.id,
        paid=session.payment_status == "paid",
        amount=(Decimal(session.amount_total or 0) / 100).quantize(Decimal("0.01")),
        currency=(session.currency or "").upper(),
        tenant_id=str(metadata.get("tenant_id", "")),
        client_ref=str(metadata.get("client", "")),
    )


# -- a client paying for what they order or book (one checkout), by card ------------------------


@dataclass(frozen=True)
class ClientSession:
    """A one-time Checkout session Kabinet made on a business's account: a top-up (`kind`
    "topup") or a checkout paid by card ("checkout", with that checkout's `reference`)."""

    id: str
    kind: str
    paid: bool
    amount: Decimal
    currency: str
    tenant_id: str
    client_ref: str
    reference: str
    payment_intent: str


def _client_session(session: Any) -> ClientSession | None:
    metadata = session.to_dict().get("metadata") or {}
    if metadata.get("kind") not in ("topup", "checkout"):
        return None
    intent = session.payment_intent
    return ClientSession(
        id=session.id,
        kind=str(metadata["kind"]),
        paid=session.payment_status == "paid",
        amount=_money(session.amount_total),
        currency=(session.currency or "").upper(),
        tenant_id=str(metadata.get("tenant_id", "")),
        client_ref=str(metadata.get("client", "")),
        reference=str(metadata.get("checkout", "")),
        payment_intent=intent if isinstance(intent, str) else getattr(intent, "id", "") or "",
    )


def client_session_get(*, account: str, session_id: str) -> ClientSession | None:
    """The session as Stripe has it now; None when the account has no such session of ours."""
    try:
        session = client().v1.checkout.sessions.retrieve(
            session_id, options={"stripe_account": account}
        )
    except stripe.InvalidRequestError:
        return None
    return _client_session(session)


def card_checkout_session_create(
    *, account: str, lines: list[tuple[str, Decimal, int]], total: Decimal, currency: str,
    tenant_id: int, client_ref: str, reference: str, customer: str, save_card: bool,
    success_url: str, cancel_url: str, attempt: str,
) -> str:  # fmt: skip
    """A Checkout session on the business's account for a checkout's `total` (its lines are
    shown; a discount makes them one line of the total). The card is kept for next time only
    when the client asked (`save_card`), on their customer at that business."""
    if sum((amount for _label, amount, _qty in lines), Decimal(0)) != total:
        lines = [(lines[0][0] if len(lines) == 1 else "Order", total, 1)]
    payload: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": quantity,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": int((amount / quantity * 100).to_integral_value()),
                    "product_data": {"name": label[:200]},
                },
            }
            for label, amount, quantity in lines
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": client_ref,
        "metadata": {
            "kind": "checkout",
            "tenant_id": str(tenant_id),
            "client": client_ref,
            "checkout": reference,
        },
        "payment_intent_data": {"metadata": {"kind": "checkout", "checkout": reference}},
    }
    if customer:
        payload["customer"] = customer
    if save_card:
        payload["payment_intent_data"]["setup_future_usage"] = "on_session"
    session = client().v1.checkout.sessions.create(
        payload, {"stripe_account": account, **_key(f"card:{tenant_id}:{reference}:{attempt}")}
    )
    return session.url


def card_customer_create(*, account: str, tenant_id: int, client_ref: str, email: str) -> str:
    """The client as a customer of the business's account (who keeps saved cards)."""
    customer = client().v1.customers.create(
        {"email": email or None, "metadata": {"client": client_ref}},
        {"stripe_account": account, **_key(f"client-customer:{tenant_id}:{client_ref}")},
    )
    return customer.id


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    expires: str


def saved_cards(*, account: str, customer: str) -> list[SavedCard]:
    found = client().v1.customers.payment_methods.list(
        customer, {"type": "card", "limit": 20}, {"stripe_account": account}
    )
    cards = []
    for method in found.data:
        card = method.to_dict().get("card") or {}
        cards.append(
            SavedCard(
                id=method.id,
                brand=str(card.get("brand", "card")).title(),
                last4=str(card.get("last4", "")),
                expires=f"{int(card.get('exp_month', 0)):02d}/{card.get('exp_year', '')}",
            )
        )
    return cards


def saved_card_remove(*, account: str, payment_method: str) -> None:
    client().v1.payment_methods.detach(payment_method, options={"stripe_account": account})


# -- a client's card payment after it was made: refunds, disputes, saved cards ----------------


@dataclass(frozen=True)
class CardRefund:
    id: str
    amount: Decimal
    succeeded: bool  # pending counts: Stripe has taken it on; failed and canceled do not
    key: str  # Kabinet's own ledger key for a refund it asked for; "" for one made at Stripe


@dataclass(frozen=True)
class CardDispute:
    id: str
    amount: Decimal
    funds_withdrawn: bool  # an inquiry (warning_*) withdraws nothing
    funds_reinstated: bool  # won


@dataclass(frozen=True)
class CardPaymentState:
    """A client's card payment as Stripe has it now: the session it was made in and what
    happened to the money since."""

    payment_intent: str
    session: "ClientSession"
    refunds: tuple[CardRefund, ...]
    disputes: tuple[CardDispute, ...]


def _money(minor: int | None) -> Decimal:
    return (Decimal(minor or 0) / 100).quantize(Decimal("0.01"))


def payment_intent_of(*, account: str, charge: str) -> str:
    """The payment intent of a charge on the business's account ("" when Stripe has none)."""
    try:
        found = client().v1.charges.retrieve(charge, options={"stripe_account": account})
    except stripe.InvalidRequestError:
        return ""
    intent = found.payment_intent
    return intent if isinstance(intent, str) else getattr(intent, "id", "") or ""


def card_payment_state(*, account: str, payment_intent: str) -> CardPaymentState | None:
    """Read the payment's session, refunds and disputes from Stripe now; None when it was not
    made through a Kabinet Checkout session on this account."""
    opts = {"stripe_account": account}
    found = client().v1.checkout.sessions.list({"payment_intent": payment_intent}, opts)
    sessions = [_client_session(s) for s in found.data]
    session = next((s for s in sessions if s is not None), None)
    if session is None:
        return None
    refunds = client().v1.refunds.list({"payment_intent": payment_intent, "limit": 100}, opts)
    disputes = client().v1.disputes.list({"payment_intent": payment_intent, "limit": 100}, opts)
    return CardPaymentState(
        payment_intent=payment_intent,
        session=session,
        refunds=tuple(
            CardRefund(
                id=r.id,
                amount=_money(r.amount),
                succeeded=r.status in ("succeeded", "pending", "requires_action"),
                key=str((r.to_dict().get("metadata") or {}).get("kabinet_key", "")),
            )
            for r in refunds.data
        ),
        disputes=tuple(
            CardDispute(
                id=d.id,
                amount=_money(d.amount),
                funds_withdrawn=not str(d.status).startswith("warning_"),
                funds_reinstated=d.status == "won",
            )
            for d in disputes.data
        ),
    )


def card_refund_create(*, account: str, payment_intent: str, amount: Decimal, key: str) -> str:
    """A refund of `amount` of the payment, to the card it came from; `key` (Kabinet's ledger
    key for it) is its idempotency key and travels in its metadata."""
    refund = client().v1.refunds.create(
        {
            "payment_intent": payment_intent,
            "amount": int((amount * 100).to_integral_value()),
            "metadata": {"kabinet_key": key},
        },
        {"stripe_account": account, **_key(f"refund:{account}:{key}")},
    )
    return refund.id


# -- webhooks ---------------------------------------------------------------------------------


def webhook_event(payload: bytes, signature: str) -> dict[str, Any]:
    """The event in a webhook body, once its signature and timestamp check out against the
    endpoint's secret (or the Connect endpoint's, for connected accounts' events); raises
    SignatureInvalid otherwise (a timestamp too old, or from the future, included), ValueError
    when the body is not JSON."""
    secrets = [settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_CONNECT_WEBHOOK_SECRET]
    failure: stripe.SignatureVerificationError | None = None
    for secret in filter(None, secrets):
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            failure = exc
            continue
        if _signed_at(signature) > time.time() + settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS:
            # The library refuses only stale stamps; one from the future is no delivery either.
            raise stripe.SignatureVerificationError("timestamp in the future", signature)
        return event.to_dict()
    raise failure or stripe.SignatureVerificationError("no webhook secret", signature)


def _signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header (verified by then)."""
    for part in signature.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return 0


# -- Stripe Connect: the business's own recurring plans for its clients ----------------------
# (billing.client_subscriptions uses these; every call is on the business's connected account)


def _on(account: str, key: str = "") -> dict[str, str]:
    return {"stripe_account": account, **(_key(key) if key else {})}


def connected_product_create(*, account: str, name: str, key: str) -> str:
    product = client().v1.products.create({"name": name[:250]}, _on(account, f"cprod:{key}"))
    return product.id


def connected_price_create(
    *, account: str, product: str, amount: Decimal, currency: str, months: int, key: str
) -> str:
    """A recurring price: every `months` months (12: yearly)."""
    recurring = {"interval": "year"} if months == 12 else {"interval": "month",
                                                           "interval_count": months}  # fmt: skip
    price = client().v1.prices.create(
        {
            "product": product,
            "currency": currency.lower(),
            "unit_amount": int((amount * 100).to_integral_value()),
            "recurring": recurring,
        },
        _on(account, f"cprice:{key}"),
    )
    return price.id


def connected_customer_create(*, account: str, email: str, name: str, key: str) -> str:
    customer = client().v1.customers.create(
        {"email": email or None, "name": name or None}, _on(account, f"ccus:{key}")
    )
    return customer.id


def connected_customer_anonymise(*, account: str, customer: str, key: str) -> None:
    """The person deleted their account: the business's Stripe customer keeps no name or email."""
    client().v1.customers.update(
        customer, {"email": "", "name": "", "phone": ""}, _on(account, f"ccusanon:{key}")
    )


def membership_session_create(
    *, account: str, customer: str, price: str, metadata: dict[str, str], success_url: str,
    cancel_url: str, key: str,
) -> str:  # fmt: skip
    """A Checkout session in subscription mode on the business's account: the URL to send the
    client to."""
    session = client().v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer": customer,
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": metadata.get("client", ""),
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
        },
        _on(account, f"csub:{key}"),
    )
    return session.url


@dataclass(frozen=True)
class ConnectedSession:
    id: str
    mode: str
    subscription: str
    metadata: dict[str, str]


def connected_session_get(*, account: str, session_id: str) -> ConnectedSession | None:
    try:
        session = client().v1.checkout.sessions.retrieve(session_id, options=_on(account))
    except stripe.InvalidRequestError:
        return None
    raw = session.to_dict()
    subscription = raw.get("subscription") or ""
    return ConnectedSession(
        id=session.id,
        mode=str(raw.get("mode") or ""),
        subscription=subscription if isinstance(subscription, str) else subscription.get("id"),
        metadata={str(k): str(v) for k, v in (raw.get("metadata") or {}).items()},
    )


@dataclass(frozen=True)
class ConnectedSubscription:
    """A client's subscription on a business's account, as Stripe has it now."""

    id: str
    customer: str
    status: str  # Stripe's: incomplete, active, trialing, past_due, unpaid, canceled, …
    paused: bool  # pause_collection is set
    cancel_at_period_end: bool
    current_period_end: dt.datetime | None
    ended_at: dt.datetime | None
    amount: Decimal
    currency: str
    price_id: str
    months: int  # the price's period
    latest_invoice: str
    metadata: dict[str, str]


def connected_subscription_get(
    *, account: str, subscription_id: str
) -> ConnectedSubscription | None:
    try:
        sub = client().v1.subscriptions.retrieve(subscription_id, options=_on(account))
    except stripe.InvalidRequestError:
        return None
    raw = sub.to_dict()
    items = (raw.get("items") or {}).get("data") or []
    price = items[0].get("price") if items else {}
    end = raw.get("current_period_end") or (items[0].get("current_period_end") if items else None)
    latest = raw.get("latest_invoice") or ""
    return ConnectedSubscription(
        id=sub.id,
        customer=str(raw.get("customer") or ""),
        status=str(raw.get("status") or ""),
        paused=bool(raw.get("pause_collection")),
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
        current_period_end=_when(end),
        ended_at=_when(raw.get("ended_at") or raw.get("canceled_at")),
        amount=(Decimal(price.get("unit_amount") or 0) / 100).quantize(Decimal("0.01")),
        currency=str(price.get("currency") or "").upper(),
        price_id=str(price.get("id") or ""),
        months=_months(price.get("recurring") or {}),
        latest_invoice=latest if isinstance(latest, str) else str(latest.get("id", "")),
        metadata={str(k): str(v) for k, v in (raw.get("metadata") or {}).items()},
    )


def _months(recurring: dict[str, Any]) -> int:
    count = int(recurring.get("interval_count") or 1)
    return count * 12 if recurring.get("interval") == "year" else count


def connected_subscription_update(
    *, account: str, subscription_id: str, changes: dict[str, Any], key: str
) -> None:
    """Pause (`pause_collection`), resume (`pause_collection: ""`), cancel at the period's end
    or keep it (`cancel_at_period_end`)."""
    client().v1.subscriptions.update(subscription_id, changes, _on(account, f"csubup:{key}"))


@dataclass(frozen=True)
class ConnectedInvoice:
    id: str
    subscription: str
    number: str
    status: str
    amount_due: Decimal
    amount_paid: Decimal
    currency: str
    hosted_url: str
    pdf_url: str
    attempt_count: int
    next_attempt_at: dt.datetime | None
    created: dt.datetime


def connected_invoice_get(*, account: str, invoice_id: str) -> ConnectedInvoice | None:
    try:
        inv = client().v1.invoices.retrieve(invoice_id, options=_on(account))
    except stripe.InvalidRequestError:
        return None
    raw = inv.to_dict()
    subscription = raw.get("subscription") or (
        ((raw.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    )
    return ConnectedInvoice(
        id=inv.id,
        subscription=str(subscription or ""),
        number=str(raw.get("number") or ""),
        status=str(raw.get("status") or ""),
        amount_due=(Decimal(raw.get("amount_due") or 0) / 100).quantize(Decimal("0.01")),
        amount_paid=(Decimal(raw.get("amount_paid") or 0) / 100).quantize(Decimal("0.01")),
        currency=str(raw.get("currency") or "").upper(),
        hosted_url=str(raw.get("hosted_invoice_url") or ""),
        pdf_url=str(raw.get("invoice_pdf") or ""),
        attempt_count=int(raw.get("attempt_count") or 0),
        next_attempt_at=_when(raw.get("next_payment_attempt")),
        created=_when(raw.get("created")) or dt.datetime.now(dt.UTC),
    )
