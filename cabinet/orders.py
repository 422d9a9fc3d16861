"""Orders: the client picks items, sees the total (and any fee) before confirming, pays from
balance or points or on site; staff move the status, each change kept and announced."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import limits, usage
from cabinet import outgoing
from cabinet.models import (
    CatalogItem,
    ClientProfile,
    NotificationEvent,
    Order,
    OrderItem,
    OrderStatusChange,
)
from cabinet.notifications import in_language_of, notify
from cabinet.wallet import pay, points_earn_for, refund
from rbac.audit import audit_record
from rbac.models import User
from tenants.tasks_base import enqueue_on_commit

MAX_LINES = 20
MAX_QUANTITY = 50
ON_SITE_FEE = Decimal("0.00")

S = Order.Status
TRANSITIONS = {
    S.NEW: {S.ACCEPTED, S.CANCELLED},
    S.ACCEPTED: {S.IN_PROGRESS, S.DONE, S.CANCELLED},
    S.IN_PROGRESS: {S.DONE, S.CANCELLED},
    S.DONE: set(),
    S.CANCELLED: set(),
}


@dataclass(frozen=True)
class Quote:
    lines: list[tuple[CatalogItem, int, Decimal]]
    subtotal: Decimal
    fee: Decimal
    total: Decimal
    currency: str


def outgoing_order(order: Order) -> dict:
    """An order as the business's systems hear of it (cabinet.outgoing)."""
    return {
        "order": order.pk, "client": order.client_id, "status": order.status,
        "payment": order.payment, "total": str(order.total), "currency": order.currency,
        "items": [{"name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price)}
                  for line in order.items.all()],
    }  # fmt: skip


def quote(*, wanted: dict[int, int], payment: str) -> Quote:
    """Prices come from the catalog, never from the request."""
    if payment not in Order.Payment.values:
        raise ValidationError(_("Choose how to pay."), code="payment")
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
        item = closed[0]
        raise ValidationError(
            _("%(name)s can be ordered only %(when)s.")
            % {"name": item.name, "when": item.availability_label},
            code="closed",
        )
    currencies = {item.currency for item in items.values()}
    if len(currencies) > 1:
        raise ValidationError(_("Order items of one currency at a time."), code="currency")
    lines = [(items[pk], qty, items[pk].price * qty) for pk, qty in wanted.items()]
    subtotal = sum((line for _i, _q, line in lines), Decimal("0"))
    fee = ON_SITE_FEE if payment == Order.Payment.ON_SITE else Decimal("0")
    return Quote(lines, subtotal, fee, subtotal + fee, currencies.pop())


@transaction.atomic
def order_place(
    *, client: ClientProfile, wanted: dict[int, int], payment: str, submission_key: str,
    note: str = "",
) -> Order:  # fmt: skip
    """Place and pay an order. The same submission key places it once (a double-submitted form
    returns the first order); a failed payment leaves nothing behind."""
    existing = Order.objects.filter(submission_key=submission_key[:64], client=client).first()
    if existing is not None:
        return existing
    priced = quote(wanted=wanted, payment=payment)
    if not limits.check("orders").allowed:
        raise ValidationError(limits.CLIENT_REFUSAL, code="plan_limit")
    try:
        with transaction.atomic():
            order = Order.objects.create(
                client=client, payment=payment, subtotal=priced.subtotal, fee=priced.fee,
                total=priced.total, currency=priced.currency, note=note[:500],
                submission_key=submission_key[:64],
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError(_("This form was already sent."), code="duplicate") from exc
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            item=item,
            name=item.name,
            unit_price=item.price,
            unit=item.unit,
            quantity=qty,
            line_total=line,
        )
        for item, qty, line in priced.lines
    )
    OrderStatusChange.objects.create(order=order, to_status=S.NEW, by=client.user)
    pay(client=client, order=order)
    usage.record("orders", 1, idempotency_key=f"order:{order.pk}")
    outgoing.emit("order.created", lambda: outgoing_order(order))
    audit_record(action="order.placed", actor=client.user, target=order,
                 changes={"total": str(order.total), "payment": payment})  # fmt: skip
    from cabinet.tasks import build_receipt

    enqueue_on_commit(build_receipt, order.pk)
    return order


@transaction.atomic
def order_set_status(*, order: Order, to: str, by: User, notify_client: bool = True) -> Order:
    """Move the order along TRANSITIONS; the client hears of it unless the caller tells them
    itself (a shop's shipment, whose message carries the tracking number)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if to not in TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("An order cannot go from %(from)s to %(to)s.")
            % {"from": locked.get_status_display(), "to": to}
        )
    is_client = by.pk == locked.client.user_id and not by.is_staff
    if is_client and not (to == S.CANCELLED and locked.status == S.NEW):
        raise PermissionDenied("clients may only cancel a new order")
    previous = locked.status
    locked.status = to
    locked.save(update_fields=["status"])
    OrderStatusChange.objects.create(order=locked, from_status=previous, to_status=to, by=by)
    if to == S.CANCELLED:
        refund(order=locked)
    audit_record(action="order.status", actor=by, target=locked, changes={"status": [previous, to]})
    outgoing.emit("order.status_changed",
                  lambda: {**outgoing_order(locked), "previous": previous})  # fmt: skip
    if notify_client and by.pk != locked.client.user_id:
        with in_language_of(locked.client.user):  # the client's language, not the staff's
            title = _("Order #%(pk)s: %(status)s") % {
                "pk": locked.pk, "status": locked.get_status_display(),
            }  # fmt: skip
        notify(
            recipient=locked.client.user, event=NotificationEvent.ORDER_STATUS, title=title,
            url=f"/orders/{locked.pk}/", key=f"order:{locked.pk}:{to}",
        )  # fmt: skip
    if to == S.DONE:
        from cabinet.tasks import earn_points

        enqueue_on_commit(earn_points, locked.pk)
    return locked


def order_earn_points(*, order_id: int) -> None:
    order = Order.objects.select_related("client").filter(pk=order_id).first()
    if order is not None:
        points_earn_for(order=order)
