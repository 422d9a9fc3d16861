"""A client's card payments on the business's own Stripe account, as the cabinet records them.

- A checkout paid by card is confirmed when Stripe says the money is there (the client's return
  or the webhook, whichever comes first; both at once are serialised by the checkout's lock). A
  payment that cannot be taken — the price changed meanwhile, the event sold out, the checkout
  was paid another way in another tab — is given back to the card whole, and the cart stays.
- After a payment, whatever Stripe has of it now (refunds, disputes) is what the ledger follows
  (`card_payment_follow`): each refund and dispute is one entry under its own key, so duplicated
  and reordered events move nothing twice, and an event about an older state changes nothing.
  A refund Kabinet asked for carries its ledger key and is recorded already.
- Top-ups: a refund or a lost dispute takes the money back from the balance, which may go
  negative (cabinet.wallet.services says why); staff get a work item.
- Checkouts: a refund made in Stripe's dashboard is recorded on the checkout; a dispute is
  recorded on the card account; staff get a work item for each dispute.
"""

import logging
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing import payments
from billing.payments import CardPaymentState, SavedCard
from cabinet.accounts.models import ClientProfile
from cabinet.checkout.models import Checkout
from cabinet.checkout.placing import checkout_confirm
from cabinet.checkout.services import (
    PAYMENT_METHODS,
    CardPaid,
    checkout_card_refunded_at_stripe,
    price_checkout,
)
from cabinet.common.money import money
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.wallet.models import LedgerEntry
from cabinet.wallet.services import ledger_apply, wallet_for, wallet_top_up
from cabinet.work.intake import work_open
from rbac.audit import audit_record
from tenants.models import Tenant
from tenants.tasks_base import task_named

log = logging.getLogger(__name__)


def _client(client_ref: str) -> ClientProfile | None:
    if not client_ref.isdigit():
        return None
    return ClientProfile.objects.select_related("user").filter(pk=int(client_ref)).first()


# --- a checkout paid by card ---------------------------------------------------------------------


def checkout_card_paid(
    *, client_ref: str, reference: str, payment_intent: str, amount: Decimal, currency: str
) -> Checkout | None:
    """Confirm the checkout `reference` with what Stripe says was paid; when it cannot be taken,
    give the payment back to the card. The checkout (None when there is no such checkout)."""
    client = _client(client_ref)
    checkout = (
        Checkout.objects.filter(client=client, token=reference).first()
        if client is not None and len(reference) == 36
        else None
    )
    if checkout is None:
        log.error("card payment %s for an unknown checkout %r", payment_intent, reference)
        return None
    why = ""
    try:
        paid = checkout_confirm(
            checkout=checkout, payment="card",
            card=CardPaid(payment_intent=payment_intent, amount=amount, currency=currency),
        )  # fmt: skip
    except ValidationError as exc:
        paid, why = checkout, " ".join(exc.messages)
    if paid.status != Checkout.Status.OPEN and paid.card_payment == payment_intent:
        return paid  # confirmed now, or by the other of the return and the webhook
    card_payment_give_back(
        checkout=checkout, payment_intent=payment_intent, amount=amount, currency=currency,
        why=why or _("This was already paid."),
    )  # fmt: skip
    return paid


@transaction.atomic
def card_payment_give_back(
    *, checkout: Checkout, payment_intent: str, amount: Decimal, currency: str, why: str
) -> None:
    """A card payment that did not pay the checkout goes back to the card whole: in and out in
    the ledger, the Stripe refund sent once this commits; the client is told why. Once."""
    card_refund_send = task_named("cabinet.card_refund_send")

    client = checkout.client
    came = ledger_apply(client=client, account=LedgerEntry.Account.CARD,
                        kind=LedgerEntry.Kind.TOPUP, amount=amount, checkout=checkout,
                        key=f"card:in:{payment_intent}", note="card payment not taken")  # fmt: skip
    if came is None:
        return  # given back already
    key = f"card:back:{payment_intent}"
    ledger_apply(client=client, account=LedgerEntry.Account.CARD, kind=LedgerEntry.Kind.REFUND,
                 amount=-amount, checkout=checkout, key=key,
                 note="card payment given back")  # fmt: skip
    transaction.on_commit(lambda: card_refund_send.delay(payment_intent, str(amount), key))
    audit_record(action="checkout.card_given_back", actor=None, actor_label="system",
                 target=checkout, changes={"amount": str(amount), "payment": payment_intent},
                 reason=why[:200])  # fmt: skip
    with in_language_of(client.user):
        notify(recipient=client.user, event=NotificationEvent.ORDER_STATUS,
               title=_("Your card payment of %(amount)s was not taken and goes back to your card")
               % {"amount": money(amount, currency)}, body=why,
               url=f"/checkout/{checkout.token}/", key=key)  # fmt: skip


# --- what happened to a payment afterwards -------------------------------------------------------


def card_payment_follow(*, state: CardPaymentState) -> list[LedgerEntry]:
    """Make the client's ledger match the payment as Stripe has it now; the entries written."""
    client = _client(state.session.client_ref)
    if client is None:
        log.error("card payment %s of an unknown client", state.payment_intent)
        return []
    if state.session.kind == "topup":
        return _topup_follow(client, state)
    session = state.session
    checkout = Checkout.objects.filter(client=client, token=session.reference).first()
    if checkout is not None and session.paid and checkout.card_payment != state.payment_intent:
        # a refund's or dispute's event may come before the payment's: confirm it first
        checkout = checkout_card_paid(
            client_ref=session.client_ref, reference=session.reference,
            payment_intent=state.payment_intent, amount=session.amount, currency=session.currency,
        )  # fmt: skip
    if checkout is None:
        return []
    # a payment given back whole when it came (card_payment_give_back) is still followed: what
    # Stripe did with it after (a dispute) is in the ledger and in staff's queue
    confirmed = checkout.card_payment == state.payment_intent
    return _checkout_follow(client, checkout, state, confirmed=confirmed)


def _ours(refund_key: str) -> bool:
    return bool(refund_key) and LedgerEntry.objects.filter(idempotency_key=refund_key).exists()


@transaction.atomic
def _topup_follow(client: ClientProfile, state: CardPaymentState) -> list[LedgerEntry]:
    session = state.session
    if session.paid:  # a refund's event may come before the payment's: credit it first
        wallet_top_up(client=client, amount=session.amount, key=f"stripe:{session.id}",
                      note="card payment")  # fmt: skip
    moves: list[tuple[str, str, Decimal, str]] = []  # key, kind, amount, note
    for refund in state.refunds:
        if _ours(refund.key):
            continue
        key = f"stripe-refund:{refund.id}"
        if refund.succeeded:
            moves.append((key, LedgerEntry.Kind.REFUND, -refund.amount, "refunded to the card"))
        elif LedgerEntry.objects.filter(idempotency_key=key).exists():
            moves.append((f"{key}:failed", LedgerEntry.Kind.REFUND, refund.amount,
                          "the refund to the card failed"))  # fmt: skip
    for dispute in state.disputes:
        key = f"stripe-dispute:{dispute.id}"
        if dispute.funds_withdrawn:
            moves.append((key, LedgerEntry.Kind.DISPUTE, -dispute.amount,
                          "taken back by the card's bank (dispute)"))  # fmt: skip
        if dispute.funds_reinstated:
            moves.append((f"{key}:reinstated", LedgerEntry.Kind.DISPUTE, dispute.amount,
                          "dispute decided for the business"))  # fmt: skip
    written = []
    for key, kind, amount, note in moves:
        if not amount:  # a dispute of a payment refunded whole: nothing left to move
            continue
        entry = ledger_apply(client=client, account=LedgerEntry.Account.BALANCE, kind=kind,
                             amount=amount, key=key, note=note, overdraw=True)  # fmt: skip
        if entry is not None:
            written.append(entry)
            _recorded(client, entry, state)
    return written


@transaction.atomic
def _checkout_follow(
    client: ClientProfile, checkout: Checkout, state: CardPaymentState, *, confirmed: bool
) -> list[LedgerEntry]:
    written = []
    for refund in state.refunds:
        if not refund.succeeded or _ours(refund.key):
            continue
        if confirmed:  # recorded on the checkout too
            checkout_card_refunded_at_stripe(checkout=checkout, refund_id=refund.id,
                                             amount=refund.amount)  # fmt: skip
        else:
            ledger_apply(client=client, account=LedgerEntry.Account.CARD,
                         kind=LedgerEntry.Kind.REFUND, amount=refund.amount, checkout=checkout,
                         key=f"stripe-refund:{refund.id}",
                         note="refunded to the card at Stripe")  # fmt: skip
    for dispute in state.disputes:
        key = f"stripe-dispute:{dispute.id}"
        moves = []
        if dispute.funds_withdrawn:
            moves.append((key, dispute.amount, "taken back by the card's bank (dispute)"))
        if dispute.funds_reinstated:
            moves.append((f"{key}:reinstated", -dispute.amount, "dispute decided for the business"))
        for move_key, amount, note in moves:
            if not amount:
                continue
            entry = ledger_apply(client=client, account=LedgerEntry.Account.CARD,
                                 kind=LedgerEntry.Kind.DISPUTE, amount=amount, key=move_key,
                                 checkout=checkout, order=checkout.order if confirmed else None,
                                 note=note)  # fmt: skip
            if entry is not None:
                written.append(entry)
                _recorded(client, entry, state)
    return written


def _recorded(client: ClientProfile, entry: LedgerEntry, state: CardPaymentState) -> None:
    """Audited; staff get a work item for a dispute and for a balance taken below zero."""
    audit_record(action=f"wallet.card_{entry.kind}", actor=None, actor_label="stripe",
                 target=client, changes={"amount": str(entry.amount),
                                         "payment": state.payment_intent,
                                         "key": entry.idempotency_key})  # fmt: skip
    balance = wallet_for(client).balance
    currency = state.session.currency
    if entry.kind == LedgerEntry.Kind.DISPUTE and entry.amount * _sign(entry) > 0:
        title = _("Card dispute: %(amount)s taken back by the client's bank") % {
            "amount": money(abs(entry.amount), currency)
        }
    elif entry.account == LedgerEntry.Account.BALANCE and balance < 0:
        title = _("Balance below zero after a card refund: %(balance)s") % {
            "balance": money(balance, currency)
        }
    else:
        return
    details = _("Stripe payment %(payment)s. Balance now %(balance)s.") % {
        "payment": state.payment_intent, "balance": money(balance, currency),
    }  # fmt: skip
    work_open(client=client, kind="payment", source=f"card:{state.payment_intent}"[:80],
              title=title, details=details)  # fmt: skip


def _sign(entry: LedgerEntry) -> int:
    """+1 when the entry is money leaving the business for the client: a dispute's withdrawal
    (negative on a balance, positive on the card account)."""
    return -1 if entry.account == LedgerEntry.Account.BALANCE else 1


# --- starting a card payment, and the cards a client chose to keep -------------------------------


def card_checkout_start(
    *, checkout: Checkout, tenant: Tenant, save_card: bool, success_url: str, cancel_url: str
) -> str:
    """Stripe's page for paying this open checkout by card: its URL. The card is kept for next
    time only when the client ticked the box (`save_card`); a client who saved one before sees
    it offered there. Raises ValidationError when a card cannot pay it now, and
    payments.PaymentsUnavailable / PaymentFailed when Stripe cannot take it."""
    client = checkout.client
    priced = price_checkout(checkout)
    refusal = PAYMENT_METHODS["card"].refusal(client, priced)
    if refusal:
        raise ValidationError(refusal, code="card")
    customer = client.card_customer
    if save_card and not customer:
        customer = payments.card_customer_ensure(  # network: outside any transaction
            tenant=tenant, client_ref=str(client.pk), email=client.user.email
        )
        ClientProfile.objects.filter(pk=client.pk).update(card_customer=customer)
        client.card_customer = customer
    url = payments.card_checkout_start(
        tenant=tenant, client_ref=str(client.pk), reference=str(checkout.token),
        lines=[(line.label, line.amount, line.quantity) for line in priced.lines
               if line.amount > 0],
        total=priced.total, currency=priced.currency, customer=customer, save_card=save_card,
        success_url=success_url, cancel_url=cancel_url, attempt=uuid.uuid4().hex,
    )  # fmt: skip
    audit_record(action="checkout.card_started", actor=client.user, target=checkout,
                 changes={"total": str(priced.total), "save_card": save_card})  # fmt: skip
    return url


def saved_cards_of(*, client: ClientProfile, tenant: Tenant) -> list[SavedCard]:
    return payments.saved_cards(tenant=tenant, customer=client.card_customer)


def saved_card_forget(*, client: ClientProfile, tenant: Tenant, card_id: str) -> bool:
    """Remove one of the client's saved cards at Stripe; False when it is not theirs."""
    if not client.card_customer or not card_id.startswith("pm_") or len(card_id) > 255:
        return False
    removed = payments.saved_card_remove(
        tenant=tenant, customer=client.card_customer, card_id=card_id
    )
    if removed:
        audit_record(action="wallet.card_removed", actor=client.user, target=client,
                     changes={"card": card_id})  # fmt: skip
    return removed
