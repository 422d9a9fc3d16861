"""Placing what a checkout pays for: confirming a checkout takes the payment and creates the
order or the booking in the same transaction, and `order_place` prices, pays and places an order
in one step. It sits above the checkout's services and the orders' and bookings' services, which
never import it (they refund through cabinet.checkout.services)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.services import booking_create
from cabinet.checkout.models import Checkout, OfferRedemption
from cabinet.checkout.services import PAYMENT_METHODS, CardPaid, checkout_open_order, price_checkout
from cabinet.orders.models import Order
from cabinet.orders.services import order_create_paid
from cabinet.wallet.loyalty import (
    normalise_code,
)
from cabinet.wallet.models import Offer
from cabinet.wallet.services import InsufficientFunds
from rbac.audit import audit_record


@transaction.atomic
def checkout_confirm(
    *, checkout: Checkout, payment: str, note: str = "", submission_key: str = "",
    card: CardPaid | None = None,
) -> Checkout:  # fmt: skip
    """Price again, redeem the offer, make the order or booking and take the payment, all or
    nothing. Confirming a paid checkout again returns it as it is (a double submit). By card,
    only with what Stripe says was paid (`card`), and only when it is the total to the cent."""
    locked = Checkout.objects.select_for_update(of=("self",)).get(pk=checkout.pk)
    if locked.status != Checkout.Status.OPEN:
        return locked
    method = PAYMENT_METHODS.get(payment)
    if method is None:
        raise ValidationError(_("Choose how to pay."), code="payment")
    offer = None
    if locked.code:
        offer = Offer.objects.select_for_update(of=("self",)).filter(code=locked.code).first()
    priced = price_checkout(locked, payment=payment)
    if priced.offer_refusal:
        raise ValidationError(priced.offer_refusal, code="offer")
    refusal = method.refusal(locked.client, priced)
    if refusal:
        raise InsufficientFunds(refusal, code="funds")
    if payment == "card":
        if card is None:
            raise ValidationError(_("A card payment starts on Stripe's page."), code="card")
        if (card.amount, card.currency) != (priced.total, priced.currency):
            raise ValidationError(_("The price changed while you were paying."), code="card")
        locked.card_payment = card.payment_intent
    locked.payment, locked.lines = payment, [line.as_json() for line in priced.lines]
    locked.subtotal, locked.discount, locked.fee = priced.subtotal, priced.discount, priced.fee
    locked.total, locked.currency = priced.total, priced.currency
    locked.offer, locked.status, locked.paid_at = offer, Checkout.Status.PAID, timezone.now()
    if locked.kind == Checkout.Kind.ORDER:
        locked.order = order_create_paid(
            client=locked.client, priced=priced, payment=payment, note=note,
            submission_key=submission_key or locked.token.hex,
        )  # fmt: skip
    else:
        locked.booking = booking_create(event=locked.event, client=locked.client,
                                        seats=locked.seats)  # fmt: skip
    method.take(locked)
    locked.save()
    if offer is not None:
        Offer.objects.filter(pk=offer.pk).update(uses=F("uses") + 1)
        OfferRedemption.objects.create(
            offer=offer, client=locked.client, checkout=locked,
            discount=-sum((ln.amount for ln in priced.lines if ln.kind == "offer"), Decimal(0)),
            revenue=locked.total, currency=locked.currency,
        )  # fmt: skip
    audit_record(action="checkout.paid", actor=locked.client.user, target=locked,
                 changes={"total": str(locked.total), "payment": payment,
                          "offer": offer.pk if offer else None})  # fmt: skip
    return locked


@transaction.atomic
def order_place(
    *, client: ClientProfile, wanted: dict[int, int], payment: str, submission_key: str,
    note: str = "", code: str = "",
) -> Order:  # fmt: skip
    """Price, pay and place an order in one step, through a checkout (the API's way and the
    form's). The same submission key places it once (a double-submitted form returns the first
    order); a failed payment leaves nothing behind."""
    existing = Order.objects.filter(submission_key=submission_key[:64], client=client).first()
    if existing is not None:
        return existing
    checkout = checkout_open_order(client=client, wanted=wanted)
    if code:
        checkout.code = normalise_code(code)
        checkout.save(update_fields=["code"])
    paid = checkout_confirm(checkout=checkout, payment=payment, note=note,
                            submission_key=submission_key)  # fmt: skip
    assert paid.order is not None
    return paid.order
