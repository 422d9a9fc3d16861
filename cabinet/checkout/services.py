"""One checkout for everything priced: an order's items (services, extras, fees) and an event's
places. The client reviews the lines, the discounts (their tier, their club, an offer code) and
what is payable, picks a way to pay and confirms; a refused payment changes nothing and the
cart (the open checkout) stays. Refunds go back the way the money came, in part or in full,
each one a ledger entry.

Ways to pay are entries of PAYMENT_METHODS: each says whether it can pay a quote, takes the
money inside the confirming transaction and gives it back on a refund. A card goes through the
business's own Stripe account (billing.payments): the client pays on Stripe's page first, and
the checkout is confirmed when Stripe says the money is there (cabinet.checkout.card_payments);
a refund goes back to the card through a Stripe refund, sent once the refund's entry commits.

Locks, always in this order: the checkout, the offer, the event, the wallet."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.models import Checkout, OfferRedemption
from cabinet.common.money import money
from cabinet.content.translations import tr
from cabinet.hooks import PAID_IN_ADVANCE
from cabinet.wallet.loyalty import (
    best_club,
    loyalty_settings,
    normalise_code,
    offer_by_code,
    offer_refusal,
    tier_for,
)
from cabinet.wallet.models import LedgerEntry, Offer
from cabinet.wallet.services import POINTS_PER_EURO, ledger_apply, wallet_for
from rbac.audit import audit_record
from rbac.models import User
from tenants.tasks_base import task_named

CENT = Decimal("0.01")
MAX_LINES = 20
MAX_QUANTITY = 50


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _percent_of(amount: Decimal, percent: int) -> Decimal:
    return _cents(amount * Decimal(percent) / 100)


@dataclass(frozen=True)
class Line:
    kind: str  # item, event, tier, club, offer, fee
    label: str
    amount: Decimal  # signed: discounts are negative
    quantity: int = 1

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "label": self.label, "amount": str(self.amount),
                "quantity": self.quantity}  # fmt: skip


@dataclass(frozen=True)
class Priced:
    lines: list[Line]
    subtotal: Decimal
    discount: Decimal  # positive: what the discount lines take off
    fee: Decimal
    total: Decimal
    currency: str
    offer: Offer | None = None
    offer_refusal: str = ""  # why the entered code does not apply
    items: dict[int, tuple[CatalogItem, int]] = field(default_factory=dict)

    @property
    def points_needed(self) -> int:
        return int((self.total * POINTS_PER_EURO).to_integral_value(rounding=ROUND_HALF_UP))


# --- Ways to pay -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentMethod:
    key: str
    label: Callable[[], str]
    # None when it can pay this quote for this client; else the reason, in words.
    refusal: Callable[[ClientProfile, Priced], str | None]
    take: Callable[[Checkout], None]  # inside the confirming transaction
    give_back: Callable[[Checkout, Decimal, str], None]  # a refund of this much, under this key


def _balance_refusal(client: ClientProfile, priced: Priced) -> str | None:
    wallet = wallet_for(client)
    if wallet.currency != priced.currency:
        return _("Your balance is in %(currency)s.") % {"currency": wallet.currency}
    if wallet.balance < priced.total:
        return _("Your balance is too low for this: %(short)s short.") % {
            "short": money(priced.total - wallet.balance, priced.currency)
        }
    return None


def _balance_take(checkout: Checkout) -> None:
    if checkout.total:
        ledger_apply(client=checkout.client, account=LedgerEntry.Account.BALANCE,
                     kind=LedgerEntry.Kind.SPEND, amount=-checkout.total, order=checkout.order,
                     checkout=checkout, key=f"pay:checkout:{checkout.pk}")  # fmt: skip


def _balance_give_back(checkout: Checkout, amount: Decimal, key: str) -> None:
    ledger_apply(client=checkout.client, account=LedgerEntry.Account.BALANCE,
                 kind=LedgerEntry.Kind.REFUND, amount=amount, order=checkout.order,
                 checkout=checkout, key=key, note=_refund_note(checkout))  # fmt: skip


def _points_refusal(client: ClientProfile, priced: Priced) -> str | None:
    have = wallet_for(client).points
    if have < priced.points_needed:
        return _("You have %(have)d of the %(needed)d points.") % {
            "have": have, "needed": priced.points_needed,
        }  # fmt: skip
    return None


def _points_take(checkout: Checkout) -> None:
    points = int((checkout.total * POINTS_PER_EURO).to_integral_value(rounding=ROUND_HALF_UP))
    checkout.points_paid = points
    if points:
        ledger_apply(client=checkout.client, account=LedgerEntry.Account.POINTS,
                     kind=LedgerEntry.Kind.REDEEM, amount=Decimal(-points), order=checkout.order,
                     checkout=checkout, key=f"pay:checkout:{checkout.pk}")  # fmt: skip


def _points_give_back(checkout: Checkout, amount: Decimal, key: str) -> None:
    """The same share of the points as of the money; the last refund gives back the rest, so
    rounding never loses or makes a point."""
    if checkout.refunded + amount >= checkout.total:
        points = checkout.points_paid - checkout.points_refunded
    else:
        share = Decimal(checkout.points_paid) * amount / checkout.total
        points = int(share.to_integral_value(rounding=ROUND_HALF_UP))
    if points:
        ledger_apply(client=checkout.client, account=LedgerEntry.Account.POINTS,
                     kind=LedgerEntry.Kind.REFUND, amount=Decimal(points), order=checkout.order,
                     checkout=checkout, key=key, note=_refund_note(checkout))  # fmt: skip
    checkout.points_refunded += points


def _on_site_refusal(client: ClientProfile, priced: Priced) -> str | None:
    if not loyalty_settings().on_site_allowed:
        return _("This cabinet does not take payment on site.")
    return None


def _nothing(*_args: object) -> None:
    """Paid (and given back) at the desk: no wallet movement to record."""


def _refund_note(checkout: Checkout) -> str:
    return f"refund of {checkout.get_kind_display().lower()} {checkout.order_id or checkout.booking_id or ''}".strip()  # noqa: E501


@dataclass(frozen=True)
class CardPaid:
    """What Stripe says was paid by card for a checkout."""

    payment_intent: str
    amount: Decimal
    currency: str


def _card_refusal(client: ClientProfile, priced: Priced) -> str | None:
    from django.db import connection

    from billing.payments import card_payments_enabled

    if not card_payments_enabled(connection.tenant):
        return _("This cabinet does not take card payments.")
    if priced.total <= 0:
        return _("There is nothing to pay by card.")
    return None


def _card_take(checkout: Checkout) -> None:
    """The money came by card (Stripe has it already): recorded, no wallet total moves."""
    ledger_apply(client=checkout.client, account=LedgerEntry.Account.CARD,
                 kind=LedgerEntry.Kind.SPEND, amount=-checkout.total, order=checkout.order,
                 checkout=checkout, key=f"pay:checkout:{checkout.pk}",
                 note="paid by card")  # fmt: skip


def _card_give_back(checkout: Checkout, amount: Decimal, key: str) -> None:
    """Recorded now; the Stripe refund on the business's account is sent once this commits
    (network calls never run inside a transaction), keyed so it happens once."""
    card_refund_send = task_named("cabinet.card_refund_send")

    entry = ledger_apply(client=checkout.client, account=LedgerEntry.Account.CARD,
                         kind=LedgerEntry.Kind.REFUND, amount=amount, order=checkout.order,
                         checkout=checkout, key=key,
                         note=f"{_refund_note(checkout)}, to the card")  # fmt: skip
    if entry is not None:
        payment = checkout.card_payment
        transaction.on_commit(lambda: card_refund_send.delay(payment, str(amount), key))


PAYMENT_METHODS: dict[str, PaymentMethod] = {
    method.key: method
    for method in (
        PaymentMethod("balance", lambda: _("From my balance"), _balance_refusal, _balance_take,
                      _balance_give_back),
        PaymentMethod("points", lambda: _("With bonus points"), _points_refusal, _points_take,
                      _points_give_back),
        PaymentMethod("card", lambda: _("By card"), _card_refusal, _card_take, _card_give_back),
        PaymentMethod("on_site", lambda: _("Pay on site"), _on_site_refusal, _nothing, _nothing),
    )
}  # fmt: skip


@dataclass(frozen=True)
class PaymentChoice:
    key: str
    label: str
    refusal: str | None


def payment_choices(
    client: ClientProfile, priced: Priced, *, checkout: Checkout | None = None
) -> list[PaymentChoice]:
    """Every way to pay, each with why it cannot pay this (None when it can). On site is left
    out where the owner does not allow it or the vertical says the checkout's purchase is paid
    in advance (cabinet.hooks.PAID_IN_ADVANCE), a card where the business's Stripe account
    cannot take payments."""
    in_advance = checkout is not None and bool(PAID_IN_ADVANCE.run(checkout=checkout))
    choices = []
    for method in PAYMENT_METHODS.values():
        if method.key == "on_site" and in_advance:
            continue
        refusal = method.refusal(client, priced)
        if method.key in ("on_site", "card") and refusal:
            continue
        choices.append(PaymentChoice(method.key, method.label(), refusal))
    return choices


# --- Prices ------------------------------------------------------------------------------------


def _order_items(wanted: dict[int, int]) -> tuple[list[Line], dict, str]:
    wanted = {pk: qty for pk, qty in wanted.items() if qty}
    if not wanted:
        raise ValidationError(_("Choose at least one item."), code="empty")
    if len(wanted) > MAX_LINES or any(not 0 < qty <= MAX_QUANTITY for qty in wanted.values()):
        raise ValidationError(
            _("Order between 1 and %(max)d of each item.") % {"max": MAX_QUANTITY}, code="quantity"
        )
    items = {i.pk: i for i in CatalogItem.objects.filter(pk__in=wanted, is_active=True)}
    if set(items) != set(wanted):
        raise ValidationError(_("Some of these items are not available."), code="unavailable")
    now = timezone.localtime()
    closed = [item for item in items.values() if not item.is_available_at(now)]
    if closed:
        raise ValidationError(
            _("%(name)s can be ordered only %(when)s.")
            % {"name": closed[0].name, "when": closed[0].availability_label},
            code="closed",
        )
    currencies = {item.currency for item in items.values()}
    if len(currencies) > 1:
        raise ValidationError(_("Order items of one currency at a time."), code="currency")
    lines = [Line("item", items[pk].name, items[pk].price * qty, qty) for pk, qty in wanted.items()]
    return lines, {pk: (items[pk], qty) for pk, qty in wanted.items()}, currencies.pop()


def price(
    *, client: ClientProfile, wanted: dict[int, int] | None = None, event: Event | None = None,
    seats: int = 1, code: str = "", payment: str = "",
) -> Priced:  # fmt: skip
    """Prices come from the catalog and the event, never from the request; then the client's
    tier, their best club and the offer code each take their share, as their own lines."""
    if event is not None:
        lines = [Line("event", tr(event, "title"), event.price * seats, seats)]
        items, currency = {}, event.currency
    else:
        lines, items, currency = _order_items(wanted or {})
    subtotal = sum((line.amount for line in lines), Decimal("0"))
    running = subtotal
    tier = tier_for(client)
    if tier is not None and tier.discount_percent and running:
        cut = _percent_of(running, tier.discount_percent)
        label = _("%(tier)s discount, %(percent)d %%") % {
            "tier": tr(tier, "name"), "percent": tier.discount_percent,
        }  # fmt: skip
        lines.append(Line("tier", label, -cut))
        running -= cut
    club = best_club(client)
    if club is not None and running:
        cut = _percent_of(running, club.discount_percent)
        label = _("%(club)s club price, %(percent)d %%") % {
            "club": tr(club, "name"), "percent": club.discount_percent,
        }  # fmt: skip
        lines.append(Line("club", label, -cut))
        running -= cut
    offer, refusal = None, ""
    if code:
        found = offer_by_code(code)
        refusal = (
            _("There is no such code.")
            if found is None
            else offer_refusal(offer=found, client=client, tier=tier) or ""
        )
        if not refusal and found is not None:
            cut = min(running, _percent_of(running, found.discount_percent) + found.discount_amount)
            if cut:
                lines.append(Line("offer", found.title, -cut))
                running -= cut
            offer = found
    fee = Decimal("0")
    total = running + fee
    return Priced(lines, subtotal, subtotal - running, fee, total, currency, offer, refusal, items)


def price_checkout(checkout: Checkout, *, payment: str = "") -> Priced:
    if checkout.kind == Checkout.Kind.BOOKING:
        if checkout.event is None:
            raise ValidationError(_("This event is no longer offered."), code="gone")
        return price(client=checkout.client, event=checkout.event, seats=checkout.seats,
                     code=checkout.code, payment=payment)  # fmt: skip
    wanted = {int(pk): int(qty) for pk, qty in checkout.items.items()}
    return price(client=checkout.client, wanted=wanted, code=checkout.code, payment=payment)


# --- The checkout's life -----------------------------------------------------------------------


@transaction.atomic
def checkout_open_order(*, client: ClientProfile, wanted: dict[int, int]) -> Checkout:
    """The cart: these items, checked now (so a bad cart is refused at once) and priced again
    at every look and at confirming."""
    price(client=client, wanted=wanted)
    items = {str(pk): qty for pk, qty in wanted.items() if qty}
    return Checkout.objects.create(client=client, kind=Checkout.Kind.ORDER, items=items)


@transaction.atomic
def checkout_open_booking(*, client: ClientProfile, event: Event, seats: int) -> Checkout:
    if not 1 <= seats <= event.max_seats_per_booking:
        raise ValidationError(
            _("Book between 1 and %(max)d places.") % {"max": event.max_seats_per_booking},
            code="seats",
        )
    return Checkout.objects.create(client=client, kind=Checkout.Kind.BOOKING, event=event,
                                   seats=seats)  # fmt: skip


@transaction.atomic
def checkout_set_code(*, checkout: Checkout, code: str) -> Priced:
    """Enter (or, with an empty code, remove) an offer code on an open checkout. A code that
    does not apply is refused in words and not kept."""
    locked = Checkout.objects.select_for_update(of=("self",)).get(pk=checkout.pk)
    if locked.status != Checkout.Status.OPEN:
        raise ValidationError(_("This checkout is already paid."), code="paid")
    locked.code = normalise_code(code)
    priced = price_checkout(locked)
    if priced.offer_refusal:
        raise ValidationError(priced.offer_refusal, code="offer")
    locked.save(update_fields=["code"])
    checkout.code = locked.code
    return priced


@transaction.atomic
def checkout_refund(
    *, checkout: Checkout, amount: Decimal | None = None, by: User | None, reason: str = ""
) -> Decimal:
    """Give back `amount` (all that is left when None) the way it was paid. Partial refunds
    add up to the total at most; a full refund gives the offer's use back. What was given."""
    locked = Checkout.objects.select_for_update(of=("self",)).get(pk=checkout.pk)
    if locked.status == Checkout.Status.OPEN:
        raise ValidationError(_("Nothing was paid yet."), code="open")
    left = locked.refundable
    amount = left if amount is None else amount
    if amount <= 0 or amount > left or amount != _cents(amount):
        raise ValidationError(
            _("Refund between 0.01 and %(left)s.") % {"left": left}, code="amount"
        )
    method = PAYMENT_METHODS[locked.payment]
    method.give_back(locked, amount, f"refund:checkout:{locked.pk}:{locked.refunded}")
    _refunded(locked, amount, by=by, reason=reason)
    return amount


def checkout_card_refunded_at_stripe(
    *, checkout: Checkout, refund_id: str, amount: Decimal
) -> Decimal:
    """A refund made at Stripe (the business's dashboard) of this checkout's card payment: the
    checkout records it (up to what is left) with its ledger entry, once per refund."""
    with transaction.atomic():
        locked = Checkout.objects.select_for_update(of=("self",)).get(pk=checkout.pk)
        key = f"stripe-refund:{refund_id}"
        amount = min(amount, locked.refundable)
        if amount <= 0 or LedgerEntry.objects.filter(idempotency_key=key).exists():
            return Decimal(0)
        ledger_apply(client=locked.client, account=LedgerEntry.Account.CARD,
                     kind=LedgerEntry.Kind.REFUND, amount=amount, order=locked.order,
                     checkout=locked, key=key,
                     note=f"{_refund_note(locked)}, to the card at Stripe")  # fmt: skip
        _refunded(locked, amount, by=None, reason="refunded in Stripe")
    return amount


def _refunded(locked: Checkout, amount: Decimal, *, by: User | None, reason: str) -> None:
    """Record `amount` given back on a locked checkout; the last of it gives the offer's use
    back."""
    locked.refunded += amount
    fields = ["refunded", "points_refunded"]
    if locked.refunded == locked.total:
        locked.status = Checkout.Status.REFUNDED
        fields.append("status")
        redemption = OfferRedemption.objects.filter(checkout=locked, released_at__isnull=True)
        for used in redemption.select_related("offer"):
            Offer.objects.filter(pk=used.offer_id, uses__gt=0).update(uses=F("uses") - 1)
            used.released_at = timezone.now()
            used.save(update_fields=["released_at"])
    locked.save(update_fields=fields)
    audit_record(action="checkout.refunded", actor=by, actor_label="" if by else "system",
                 target=locked, changes={"amount": str(amount)}, reason=reason[:200])  # fmt: skip


def booking_earn_points(*, checkout: Checkout) -> LedgerEntry | None:
    """Points for a paid event the client came to, by the owner's rule: a share of what was paid
    and kept (not of points), once. Orders earn theirs when done (wallet.points_earn_for)."""
    rules = loyalty_settings()
    if (
        checkout.kind != Checkout.Kind.BOOKING or not rules.earn_on_bookings
        or checkout.status != Checkout.Status.PAID or checkout.payment == "points"
    ):  # fmt: skip
        return None
    kept = checkout.total - checkout.refunded
    points = int((kept * rules.earn_percent * POINTS_PER_EURO / 100).to_integral_value())
    if points <= 0:
        return None
    with transaction.atomic():
        return ledger_apply(client=checkout.client, account=LedgerEntry.Account.POINTS,
                            kind=LedgerEntry.Kind.EARN, amount=Decimal(points),
                            checkout=checkout,
                            key=f"earn:booking:{checkout.booking_id}")  # fmt: skip


def open_checkout_of(client: ClientProfile, token: str) -> Checkout | None:
    """The client's own checkout by its token; None for anyone else's or a malformed token."""
    try:
        return (
            Checkout.objects.select_related("event", "order", "booking")
            .filter(client=client, token=token)
            .first()
        )
    except ValidationError:
        return None


MAX_ITEM_ID = 2**31


def quantities_from(data: dict) -> dict[int, int]:
    """{item id: quantity} from fields named qty-<id>; malformed entries are refused."""
    wanted = {}
    for name, value in data.items():
        if not name.startswith("qty-"):
            continue
        try:
            pk, qty = int(name[4:]), int(value or 0)
        except ValueError as exc:
            raise ValidationError(_("Quantities are whole numbers.")) from exc
        if not 0 < pk < MAX_ITEM_ID or qty < 0:
            raise ValidationError(_("Quantities are whole numbers from 0."))
        if qty:
            wanted[pk] = qty
    return wanted
