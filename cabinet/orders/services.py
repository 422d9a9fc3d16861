"""Orders: the client picks items and pays them through a checkout (cabinet.checkout.services: the
lines, discounts and total before confirming; balance, points or on site); staff move the status,
each change kept and announced; a cancelled order is refunded the way it was paid."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing import limits, usage
from cabinet import hooks
from cabinet.accounts.models import ClientProfile
from cabinet.checkout.models import Checkout
from cabinet.notifications import outgoing
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.orders.models import Order, OrderItem, OrderStatusChange
from cabinet.wallet.services import points_earn_for, refund
from cabinet.work.intake import work_close, work_open
from rbac.audit import audit_record
from rbac.models import User
from tenants.tasks_base import enqueue_on_commit, task_named

if TYPE_CHECKING:
    from cabinet.checkout.services import Priced


S = Order.Status
TRANSITIONS = {
    S.NEW: {S.ACCEPTED, S.CANCELLED},
    S.ACCEPTED: {S.IN_PROGRESS, S.DONE, S.CANCELLED},
    S.IN_PROGRESS: {S.DONE, S.CANCELLED},
    S.DONE: set(),
    S.CANCELLED: set(),
}


def outgoing_order(order: Order) -> dict:
    """An order as the business's systems hear of it (cabinet.notifications.outgoing)."""
    return {
        "order": order.pk, "client": order.client_id, "status": order.status,
        "payment": order.payment, "total": str(order.total), "currency": order.currency,
        "items": [{"name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price)}
                  for line in order.items.all()],
    }  # fmt: skip


def order_create_paid(
    *, client: ClientProfile, priced: "Priced", payment: str, note: str, submission_key: str
) -> Order:
    """The order of a checkout being confirmed, inside its transaction (cabinet.checkout.services
    takes the payment once the order exists)."""
    if payment not in Order.Payment.values:
        raise ValidationError(_("Choose how to pay."), code="payment")
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
        OrderItem(order=order, item=item, name=item.name, unit_price=item.price, unit=item.unit,
                  quantity=qty, line_total=item.price * qty)
        for item, qty in priced.items.values()
    )  # fmt: skip
    OrderStatusChange.objects.create(order=order, to_status=S.NEW, by=client.user)
    hooks.ORDER_PLACED.run(order=order)  # e.g. a shop's shipment, in this transaction
    if order.status == S.NEW:  # one the vertical accepted (a paid appointment) needs nobody
        work_open(client=client, kind="order", source=f"order:{order.pk}",
                  title=_("Order #%(pk)s") % {"pk": order.pk})  # fmt: skip
    usage.record("orders", 1, idempotency_key=f"order:{order.pk}")
    outgoing.emit("order.created", lambda: outgoing_order(order))
    audit_record(action="order.placed", actor=client.user, target=order,
                 changes={"total": str(order.total), "payment": payment})  # fmt: skip
    build_receipt = task_named("cabinet.build_receipt")

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
        _refund_cancelled(locked, by=by)
    if previous == S.NEW:  # confirmed or cancelled: nobody needs to confirm it any more
        work_close(source=f"order:{locked.pk}", by=by, cancelled=is_client)
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
        from cabinet.feedback.services import review_ask_for_order

        earn_points = task_named("cabinet.earn_points")

        enqueue_on_commit(earn_points, locked.pk)
        review_ask_for_order(locked, by=by)
    return locked


def _refund_cancelled(order: Order, *, by: User) -> None:
    """A cancelled order gives back all that is left of its payment, the way it came."""
    from cabinet.checkout.services import checkout_refund

    checkout = Checkout.objects.filter(order=order).first()
    if checkout is None:
        refund(order=order)  # paid before checkouts existed
    elif checkout.status == Checkout.Status.PAID and checkout.refundable > 0:
        checkout_refund(checkout=checkout, by=by, reason="order cancelled")


def order_earn_points(*, order_id: int) -> None:
    order = Order.objects.select_related("client").filter(pk=order_id).first()
    if order is not None:
        points_earn_for(order=order)
