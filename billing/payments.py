"""Card payments from a business's clients (a top-up of their balance), through Stripe Connect:
each business has its own connected Stripe account, opened and verified by the owner through
Stripe's onboarding, and a client's payment is a Checkout session on that account — the money
is the business's, never the platform's.

A client also pays a checkout (an order, a paid event) by card the same way: a Checkout session
on the business's account, confirmed by `client_card_paid` when Stripe says it is paid (on the
return or by the webhook); the card is saved for next time only when the client ticks the box.
Refunds go back to the card through a Stripe refund on that account; a refund or a dispute made
at Stripe (the business's dashboard, the client's bank) is read from Stripe and announced with
`client_card_payment_changed`, so the cabinet's ledger follows it.

A payment is credited when Stripe says the session is paid: on the client's return from
Checkout (read from Stripe at once) or by the webhook, whichever comes first. Both read the
session's current state from Stripe, and the credit is keyed by the session id, so it happens
once. Billing does not know what a balance is: it sends `client_payment_received`, and the
cabinet credits the wallet.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing import gateway
from billing.models import PaymentAccount
from billing.signals import (
    client_card_paid,
    client_card_payment_changed,
    client_payment_received,
)
from tenants.models import Tenant

log = logging.getLogger(__name__)

PaymentFailed = gateway.StripeFailure  # Stripe could not be reached or refused the call
CardPaymentState = gateway.CardPaymentState  # a card payment, its refunds and disputes, now
SavedCard = gateway.SavedCard
TOPUP_MIN = Decimal("5.00")
TOPUP_MAX = Decimal("1000.00")


class PaymentsUnavailable(Exception):
    """This business does not take card payments (yet)."""


def account_for(tenant: Tenant) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(tenant=tenant).first()


def card_payments_enabled(tenant: Tenant) -> bool:
    account = account_for(tenant)
    return gateway.is_configured() and account is not None and account.charges_enabled


def onboarding_start(*, tenant: Tenant, return_url: str, refresh_url: str) -> str:
    """The URL of Stripe's onboarding for this business's connected account (made once)."""
    account = account_for(tenant)
    if account is None:
        stripe_id = gateway.connected_account_create(
            tenant_id=tenant.pk, name=tenant.name, email=tenant.owner_email
        )  # network: outside any transaction
        account, _created = PaymentAccount.objects.get_or_create(
            tenant=tenant, defaults={"stripe_account": stripe_id}
        )
    return gateway.account_link_create(
        account=account.stripe_account, return_url=return_url, refresh_url=refresh_url
    )


def account_sync(tenant: Tenant) -> PaymentAccount | None:
    """Read whether the connected account can take payments, as Stripe has it now."""
    account = account_for(tenant)
    if account is None:
        return None
    enabled = gateway.connected_account_can_charge(account.stripe_account)
    PaymentAccount.objects.filter(pk=account.pk).update(
        charges_enabled=enabled, synced_at=timezone.now()
    )
    account.charges_enabled = enabled
    return account


def topup_start(
    *, tenant: Tenant, client_ref: str, amount: Decimal, currency: str, success_url: str,
    cancel_url: str, attempt: str,
) -> str:  # fmt: skip
    """A Checkout session on the business's account for `amount`: the URL to send the client."""
    if not card_payments_enabled(tenant):
        raise PaymentsUnavailable
    account = account_for(tenant)
    assert account is not None
    return gateway.topup_session_create(
        account=account.stripe_account, amount=amount, currency=currency,
        tenant_id=tenant.pk, client_ref=client_ref, success_url=success_url,
        cancel_url=cancel_url, attempt=attempt,
    )  # fmt: skip


@dataclass(frozen=True)
class PaymentResult:
    paid: bool
    amount: Decimal
    currency: str


def topup_sync(*, tenant: Tenant, session_id: str, client_ref: str | None = None) -> PaymentResult:
    """Read the session from Stripe; when it is paid (and is this business's, and — when given —
    this client's), announce the payment. Safe to call any number of times."""
    account = account_for(tenant)
    if (
        not gateway.is_configured() or account is None
        or not session_id.startswith("cs_") or len(session_id) > 255
    ):  # fmt: skip
        return PaymentResult(False, Decimal(0), "")
    session = gateway.topup_session_get(account=account.stripe_account, session_id=session_id)
    if (
        session is None
        or session.tenant_id != str(tenant.pk)
        or (client_ref is not None and session.client_ref != client_ref)
    ):
        return PaymentResult(False, Decimal(0), "")
    if not session.paid:
        return PaymentResult(False, session.amount, session.currency)
    with transaction.atomic():
        client_payment_received.send(
            sender=PaymentAccount, tenant=tenant, client_ref=session.client_ref,
            amount=session.amount, currency=session.currency, reference=f"stripe:{session.id}",
        )  # fmt: skip
    return PaymentResult(True, session.amount, session.currency)


# --- a checkout paid by card --------------------------------------------------------------------


def _session_of(
    tenant: Tenant, session_id: str, client_ref: str | None
) -> gateway.ClientSession | None:
    account = account_for(tenant)
    if (
        not gateway.is_configured() or account is None
        or not session_id.startswith("cs_") or len(session_id) > 255
    ):  # fmt: skip
        return None
    session = gateway.client_session_get(account=account.stripe_account, session_id=session_id)
    if (
        session is None
        or session.tenant_id != str(tenant.pk)
        or (client_ref is not None and session.client_ref != client_ref)
    ):
        return None
    return session


def card_customer_ensure(*, tenant: Tenant, client_ref: str, email: str) -> str:
    """The client's customer on the business's account (made once: the key makes a repeat
    return the same one), which keeps the cards they chose to save."""
    if not card_payments_enabled(tenant):
        raise PaymentsUnavailable
    account = account_for(tenant)
    assert account is not None
    return gateway.card_customer_create(
        account=account.stripe_account, tenant_id=tenant.pk, client_ref=client_ref, email=email
    )


def card_checkout_start(
    *, tenant: Tenant, client_ref: str, reference: str, lines: list[tuple[str, Decimal, int]],
    total: Decimal, currency: str, customer: str, save_card: bool, success_url: str,
    cancel_url: str, attempt: str,
) -> str:  # fmt: skip
    """A Checkout session on the business's account for a checkout: the URL to send the client."""
    if not card_payments_enabled(tenant):
        raise PaymentsUnavailable
    account = account_for(tenant)
    assert account is not None
    return gateway.card_checkout_session_create(
        account=account.stripe_account, lines=lines, total=total, currency=currency,
        tenant_id=tenant.pk, client_ref=client_ref, reference=reference, customer=customer,
        save_card=save_card, success_url=success_url, cancel_url=cancel_url, attempt=attempt,
    )  # fmt: skip


def card_checkout_sync(
    *, tenant: Tenant, session_id: str, client_ref: str | None = None
) -> gateway.ClientSession | None:
    """Read a checkout's card session from Stripe; when it is paid, announce it. None when it
    is no checkout session of this business (or client). Safe to call any number of times."""
    session = _session_of(tenant, session_id, client_ref)
    if session is None or session.kind != "checkout":
        return None
    if session.paid:
        with transaction.atomic():
            client_card_paid.send(
                sender=PaymentAccount, tenant=tenant, client_ref=session.client_ref,
                reference=session.reference, amount=session.amount, currency=session.currency,
                payment_intent=session.payment_intent, session_id=session.id,
            )  # fmt: skip
    return session


def card_payment_sync(
    *, tenant: Tenant, payment_intent: str = "", charge: str = ""
) -> gateway.CardPaymentState | None:
    """Read a client's card payment (refunds, disputes) from Stripe now and announce it; None
    when it is not a payment of this business made through Kabinet."""
    account = account_for(tenant)
    if not gateway.is_configured() or account is None:
        return None
    if not payment_intent and charge:
        payment_intent = gateway.payment_intent_of(account=account.stripe_account, charge=charge)
    if not payment_intent.startswith("pi_") or len(payment_intent) > 255:
        return None
    state = gateway.card_payment_state(
        account=account.stripe_account, payment_intent=payment_intent
    )
    if state is None or state.session.tenant_id != str(tenant.pk):
        return None
    with transaction.atomic():
        client_card_payment_changed.send(sender=PaymentAccount, tenant=tenant, state=state)
    return state


def card_refund(*, tenant: Tenant, payment_intent: str, amount: Decimal, key: str) -> str:
    """Give `amount` of a card payment back to the card (once per `key`): the refund's id."""
    account = account_for(tenant)
    if not gateway.is_configured() or account is None:
        raise PaymentsUnavailable
    return gateway.card_refund_create(
        account=account.stripe_account, payment_intent=payment_intent, amount=amount, key=key
    )


def saved_cards(*, tenant: Tenant, customer: str) -> list[gateway.SavedCard]:
    account = account_for(tenant)
    if not customer or not gateway.is_configured() or account is None:
        return []
    return gateway.saved_cards(account=account.stripe_account, customer=customer)


def saved_card_remove(*, tenant: Tenant, customer: str, card_id: str) -> bool:
    """Forget one of the client's saved cards; False when it is not theirs."""
    account = account_for(tenant)
    mine = {card.id for card in saved_cards(tenant=tenant, customer=customer)}
    if account is None or card_id not in mine:
        return False
    gateway.saved_card_remove(account=account.stripe_account, payment_method=card_id)
    return True
