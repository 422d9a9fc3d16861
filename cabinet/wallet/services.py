"""The balance and points ledger. Every change is an entry plus the wallet's running total,
in one transaction with the wallet row locked: parallel payments queue up, and the database
refuses negative points whatever the code does.

The balance is never taken below zero by a payment, a correction or anything a person does
here. The one exception is money taken back at Stripe: a card top-up refunded in the business's
Stripe dashboard, or disputed by the client's bank, after the balance was spent. That money is
gone either way, so the entry is written (`overdraw=True`) and the balance goes negative rather
than the ledger lying; staff get a work item, the client's page shows the debt, and nothing can
be paid from the balance until it is topped up above zero again.

Card payments of a checkout are entries on the `card` account: they record the money that came
and went by card (paid, refunded, disputed) and move no wallet total."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.checkout.models import Checkout
from cabinet.orders.models import Order
from cabinet.wallet.models import LedgerEntry, Wallet
from rbac.audit import audit_record
from rbac.models import User
from rbac.policy import policy_get

POINTS_PER_EURO = 10  # redeem: 10 points pay 1.00


class InsufficientFunds(ValidationError):
    pass


def wallet_for(client: ClientProfile, *, lock: bool = False) -> Wallet:
    wallet, _created = Wallet.objects.get_or_create(client=client)
    if lock:
        wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
    return wallet


def ledger_apply(
    *,
    client: ClientProfile,
    account: str,
    kind: str,
    amount: Decimal,
    order: Order | None = None,
    checkout: Checkout | None = None,
    key: str | None = None,
    note: str = "",
    overdraw: bool = False,
) -> LedgerEntry | None:
    """Inside the caller's transaction. None when `key` was already applied (idempotent).
    `overdraw`: money already taken back at Stripe, written even if the balance goes below 0."""
    if amount == 0:
        raise ValidationError(_("The amount cannot be zero."))
    wallet = wallet_for(client, lock=True)
    if key and LedgerEntry.objects.filter(idempotency_key=key).exists():
        return None
    if account == LedgerEntry.Account.CARD:
        pass  # by card: recorded, no wallet total moves
    elif account == LedgerEntry.Account.BALANCE:
        if wallet.balance + amount < 0 and not overdraw:
            raise InsufficientFunds(_("Your balance is too low for this."), code="funds")
        wallet.balance += amount
    else:
        if wallet.points + int(amount) < 0:
            raise InsufficientFunds(_("You do not have enough points for this."), code="points")
        wallet.points += int(amount)
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                client=client, account=account, kind=kind, amount=amount, order=order,
                checkout=checkout, idempotency_key=key, note=note[:200],
            )  # fmt: skip
    except IntegrityError:  # the same key, applied by a racing call a moment ago
        return None
    wallet.save(update_fields=["balance", "points"])
    return entry


_apply = ledger_apply  # the name the module's own callers use


@transaction.atomic
def wallet_top_up(
    *, client: ClientProfile, amount: Decimal, note: str = "", key: str | None = None
) -> LedgerEntry | None:
    """Add to the balance; with `key` (a payment's reference) at most once. None when the key
    was already credited."""
    if not Decimal("0.01") <= amount <= Decimal("10000"):
        raise ValidationError(_("Top up between 0.01 and 10,000."))
    return _apply(client=client, account=LedgerEntry.Account.BALANCE,
                  kind=LedgerEntry.Kind.TOPUP, amount=amount, note=note, key=key)  # fmt: skip


@transaction.atomic
def points_grant(
    *, client: ClientProfile, points: int, note: str = "", key: str | None = None
) -> LedgerEntry | None:
    """Give bonus points (a welcome gift, a goodwill gesture); with `key`, at most once."""
    if not 1 <= points <= 100_000:
        raise ValidationError(_("Give between 1 and 100,000 points."))
    return _apply(client=client, account=LedgerEntry.Account.POINTS, kind=LedgerEntry.Kind.ADJUST,
                  amount=Decimal(points), note=note, key=key)  # fmt: skip


ADJUST_MAX = Decimal("1000")


@transaction.atomic
def wallet_adjust(
    *, client: ClientProfile, account: str, amount: Decimal, reason: str, by: User
) -> LedgerEntry:
    """A goodwill credit or a correction by staff: an 'adjust' entry with the reason, audited.
    Never takes a balance below zero."""
    reason = " ".join(reason.split())[:200]
    if len(reason) < 3:
        raise ValidationError(_("Say why, in a few words (it is recorded)."), code="reason")
    if account not in LedgerEntry.Account.values:
        raise ValidationError(_("Choose balance or points."), code="account")
    if account == LedgerEntry.Account.POINTS and amount != amount.to_integral_value():
        raise ValidationError(_("Points are whole numbers."), code="points")
    limit = ADJUST_MAX * (POINTS_PER_EURO if account == LedgerEntry.Account.POINTS else 1)
    if not amount or abs(amount) > limit:
        raise ValidationError(
            _("Adjust by a non-zero amount of at most %(limit)s.") % {"limit": limit}, code="amount"
        )
    entry = _apply(client=client, account=account, kind=LedgerEntry.Kind.ADJUST, amount=amount,
                   note=reason)  # fmt: skip
    audit_record(action="wallet.adjusted", actor=by, target=client,
                 changes={"account": account, "amount": str(amount)}, reason=reason)  # fmt: skip
    return entry


def refund(*, order: Order) -> None:
    """Give back what a cancelled order took (once). Orders paid through a checkout are refunded
    by cabinet.checkout.services; this is for the orders paid before checkouts existed."""
    paid = LedgerEntry.objects.filter(idempotency_key=f"pay:order:{order.pk}").first()
    if paid is not None:
        _apply(client=order.client, account=paid.account, kind=LedgerEntry.Kind.REFUND,
               amount=-paid.amount, order=order, key=f"refund:order:{order.pk}",
               note="refund of a cancelled order")  # fmt: skip


@transaction.atomic
def points_earn_for(*, order: Order) -> LedgerEntry | None:
    """Points for a finished, paid order, by the owner's rule: once per order, however often
    this runs."""
    if order.status != Order.Status.DONE or order.payment == Order.Payment.POINTS:
        return None
    from cabinet.wallet.loyalty import loyalty_settings

    kept = order.total
    checkout = Checkout.objects.filter(order=order).first()
    if checkout is not None:
        kept = checkout.total - checkout.refunded
    percent = loyalty_settings().earn_percent
    points = int((kept * percent * POINTS_PER_EURO / 100).to_integral_value())
    if points <= 0:
        return None
    return _apply(client=order.client, account=LedgerEntry.Account.POINTS,
                  kind=LedgerEntry.Kind.EARN, amount=Decimal(points), order=order,
                  checkout=checkout, key=f"earn:order:{order.pk}")  # fmt: skip


def points_expire(*, now: datetime | None = None) -> int:
    """Take back the points older than the cabinet's expiry that were not spent, oldest first:
    of the points earned before the cut-off, whatever has not been used up by all the spending
    (and earlier expiries) since. Once per client and day, however often it runs. The number of
    clients whose points expired."""
    months = policy_get().points_expire_months
    if not months:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=30 * months)
    points = LedgerEntry.objects.filter(account=LedgerEntry.Account.POINTS)
    credited_before = Coalesce(Sum("amount", filter=Q(amount__gt=0, created_at__lt=cutoff)), 0,
                               output_field=DecimalField())  # fmt: skip
    used = Coalesce(Sum("amount", filter=Q(amount__lt=0)), 0, output_field=DecimalField())
    due = (
        points.values("client_id")
        .annotate(old=credited_before, used=used)
        .annotate(expiring=F("old") + F("used"))
        .filter(expiring__gt=0)
    )
    expired = 0
    for row in due.iterator():
        client = ClientProfile.objects.get(pk=row["client_id"])
        with transaction.atomic():
            entry = _apply(
                client=client, account=LedgerEntry.Account.POINTS, kind=LedgerEntry.Kind.EXPIRE,
                amount=-row["expiring"], key=f"expire:{client.pk}:{now:%Y-%m-%d}",
                note=f"points older than {months} months",
            )  # fmt: skip
        expired += entry is not None
    return expired
