"""What changes a shop's deliveries, returns and addresses. One transaction each, audited."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.orders.models import Order
from cabinet.orders.services import TRANSITIONS as ORDER_TRANSITIONS
from cabinet.orders.services import order_set_status
from cabinet.shop.models import Address, ReturnLine, ReturnRequest, Shipment, ShipmentEvent
from cabinet.wallet.services import wallet_top_up
from cabinet.work.intake import work_close, work_open
from rbac.audit import audit_record
from rbac.models import User

RETURN_DAYS = 30
MAX_ADDRESSES = 20
SHIPMENT_FLOW = list(Shipment.Status.values)  # forward only, steps may be skipped


# -- Addresses ------------------------------------------------------------------------------


@transaction.atomic
def address_save(*, client: ClientProfile, data: dict, address: Address | None = None) -> Address:
    if address is None and client.addresses.count() >= MAX_ADDRESSES:
        raise ValidationError(
            _("Keep at most %(n)d addresses.") % {"n": MAX_ADDRESSES}, code="too_many"
        )
    address = address or Address(client=client)
    for field in ("label", "recipient", "line1", "line2", "city", "postcode", "country", "phone"):
        setattr(address, field, data.get(field, ""))
    make_default = data.get("is_default") or not client.addresses.exclude(pk=address.pk).exists()
    if make_default:
        client.addresses.exclude(pk=address.pk).update(is_default=False)
    address.is_default = bool(make_default)
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    client, was_default = address.client, address.is_default
    address.delete()
    if was_default:
        following = client.addresses.order_by("created_at").first()
        if following is not None:
            Address.objects.filter(pk=following.pk).update(is_default=True)


# -- Shipments ------------------------------------------------------------------------------


def shipment_open(order: Order) -> Shipment:
    """Every shop order travels: its shipment starts at the customer's default address."""
    address = order.client.addresses.filter(is_default=True).first()
    shipment = Shipment.objects.create(
        order=order, address_text=address.one_line() if address else ""
    )
    ShipmentEvent.objects.create(shipment=shipment, status=shipment.status)
    return shipment


@transaction.atomic
def shipment_address_set(*, shipment: Shipment, address: Address) -> Shipment:
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if locked.status != Shipment.Status.PREPARING or address.client_id != locked.order.client_id:
        raise ValidationError(_("The parcel has left: its address can no longer change."))
    locked.address_text = address.one_line()
    locked.save(update_fields=["address_text"])
    return locked


@transaction.atomic
def shipment_update(
    *, shipment: Shipment, status: str, carrier: str = "", tracking_number: str = "", by: User
) -> Shipment:
    locked = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("order__client__user")
        .get(pk=shipment.pk)
    )
    if status not in SHIPMENT_FLOW or SHIPMENT_FLOW.index(status) < SHIPMENT_FLOW.index(
        locked.status
    ):
        raise ValidationError(_("A parcel only moves forward."), code="backwards")
    if status != Shipment.Status.PREPARING and not (tracking_number or locked.tracking_number):
        raise ValidationError(_("Give the carrier's tracking number."), code="tracking")
    if locked.order.status == Order.Status.CANCELLED:
        raise ValidationError(_("This order is cancelled: nothing to send."), code="cancelled")
    changed = status != locked.status
    locked.status = status
    locked.carrier = carrier or locked.carrier
    locked.tracking_number = tracking_number or locked.tracking_number
    locked.updated_at = timezone.now()
    if status == Shipment.Status.DELIVERED and locked.delivered_at is None:
        locked.delivered_at = locked.updated_at
    locked.save()
    if changed:
        ShipmentEvent.objects.create(shipment=locked, status=status)
        _order_follows(locked.order, status, by)
        guest = locked.order.client.user
        with in_language_of(guest):
            title = _("Order #%(pk)s: %(status)s") % {
                "pk": locked.order_id, "status": locked.get_status_display(),
            }  # fmt: skip
        notify(recipient=guest, event=NotificationEvent.ORDER_STATUS, title=title,
               body=" ".join(filter(None, [locked.carrier, locked.tracking_number])),
               url=f"/orders/{locked.order_id}/", key=f"shipment:{locked.pk}:{status}")  # fmt: skip
    audit_record(action="shipment.update", actor=by, target=locked.order,
                 changes={"status": status, "tracking": locked.tracking_number})  # fmt: skip
    return locked


def _order_follows(order: Order, status: str, by: User) -> None:
    """The order's own status follows its parcel: on its way is in progress, delivered is done
    (which earns the customer's points). The shipment's message tells the customer."""
    if status == Shipment.Status.PREPARING:
        return
    last = Order.Status.DONE if status == Shipment.Status.DELIVERED else Order.Status.IN_PROGRESS
    for step in (Order.Status.ACCEPTED, Order.Status.IN_PROGRESS, last):
        order.refresh_from_db(fields=["status"])
        if order.status == last:
            return
        if step in ORDER_TRANSITIONS.get(order.status, set()):
            order_set_status(order=order, to=step, by=by, notify_client=False)


# -- Returns --------------------------------------------------------------------------------


def returnable(order: Order, *, now: datetime.datetime | None = None) -> dict[int, int]:
    """{order item id: quantity that may still be returned}; empty when the order cannot be
    returned (not delivered yet, or the 30 days are over)."""
    deadline = return_deadline(order)
    if deadline is None or (now or timezone.now()) > deadline:
        return {}
    taken = dict(
        ReturnLine.objects.filter(request__order=order)
        .exclude(request__status=ReturnRequest.Status.REJECTED)
        .values_list("order_item_id")
        .annotate(n=Sum("quantity"))
    )
    left = {line.pk: line.quantity - taken.get(line.pk, 0) for line in order.items.all()}
    return {pk: n for pk, n in left.items() if n > 0}


def return_deadline(order: Order) -> datetime.datetime | None:
    """When returns close: 30 days after delivery (or after a done order without a parcel);
    None while the order has not arrived."""
    shipment = getattr(order, "shipment", None)  # a reverse one-to-one: None when absent
    if shipment is not None and shipment.delivered_at:
        return shipment.delivered_at + datetime.timedelta(days=RETURN_DAYS)
    if order.status == Order.Status.DONE:
        return order.created_at + datetime.timedelta(days=RETURN_DAYS)
    return None


@transaction.atomic
def return_request(
    *, client: ClientProfile, order: Order, quantities: dict[int, int], reason: str,
    comment: str = "",
) -> ReturnRequest:  # fmt: skip
    locked = Order.objects.select_for_update().get(pk=order.pk, client=client)
    if reason not in ReturnRequest.Reason.values:
        raise ValidationError(_("Tell us why you return it."), code="reason")
    allowed = returnable(locked)
    if not allowed:
        raise ValidationError(
            _("This order can no longer be returned: returns are open for %(n)d days after "
              "delivery.") % {"n": RETURN_DAYS},
            code="closed",
        )  # fmt: skip
    wanted = {pk: qty for pk, qty in quantities.items() if qty}
    if not wanted:
        raise ValidationError(_("Choose what you return."), code="empty")
    if any(pk not in allowed or not 0 < qty <= allowed[pk] for pk, qty in wanted.items()):
        raise ValidationError(_("You can return at most what you received."), code="quantity")
    prices = dict(locked.items.values_list("pk", "unit_price"))
    amount = sum((prices[pk] * qty for pk, qty in wanted.items()), Decimal("0"))
    request = ReturnRequest.objects.create(
        order=locked, client=client, reason=reason, comment=" ".join(comment.split())[:500],
        amount=amount,
    )  # fmt: skip
    ReturnLine.objects.bulk_create(
        ReturnLine(request=request, order_item_id=pk, quantity=qty) for pk, qty in wanted.items()
    )
    audit_record(action="return.requested", actor=client.user, target=request,
                 changes={"order": locked.pk, "amount": str(amount)})  # fmt: skip
    work_open(client=client, kind="return", source=f"return:{request.pk}",
              title=_("Return for order #%(pk)s") % {"pk": locked.pk},
              details=request.comment)  # fmt: skip
    return request


RETURN_STEPS = {
    ReturnRequest.Status.REQUESTED: {ReturnRequest.Status.APPROVED, ReturnRequest.Status.REJECTED},
    ReturnRequest.Status.APPROVED: {ReturnRequest.Status.REFUNDED, ReturnRequest.Status.REJECTED},
}


@transaction.atomic
def return_decide(*, request: ReturnRequest, to: str, by: User, note: str = "") -> ReturnRequest:
    """Staff approve (the customer sends it back), decline, or — once it is back — refund it
    to the customer's store credit (once)."""
    locked = (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("client__user")
        .get(pk=request.pk)
    )
    if to not in RETURN_STEPS.get(locked.status, set()):
        raise ValidationError(_("This return cannot change that way."), code="transition")
    locked.status = to
    locked.staff_note = " ".join(note.split())[:300]
    locked.decided_at = timezone.now()
    locked.save()
    if to == ReturnRequest.Status.REFUNDED and locked.amount > 0:
        wallet_top_up(client=locked.client, amount=locked.amount,
                      note=f"refund of return {locked.pk}", key=f"return:{locked.pk}")  # fmt: skip
    audit_record(action="return.decided", actor=by, target=locked,
                 changes={"status": to, "amount": str(locked.amount)})  # fmt: skip
    work_close(source=f"return:{locked.pk}", by=by)
    guest = locked.client.user
    with in_language_of(guest):
        title = _("Your return for order #%(pk)s: %(status)s") % {
            "pk": locked.order_id, "status": locked.get_status_display(),
        }  # fmt: skip
    notify(recipient=guest, event=NotificationEvent.ORDER_STATUS, title=title,
           body=locked.staff_note, url="/returns/", key=f"return:{locked.pk}:{to}")  # fmt: skip
    return locked
