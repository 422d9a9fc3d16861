from django import template

from cabinet.orders.models import Order
from cabinet.shop.services import return_deadline, returnable

register = template.Library()


@register.simple_tag
def order_delivery(order: Order) -> dict[str, object]:
    """An order's parcel, where it may be sent, and whether items can go back (and until when)."""
    shipment = getattr(order, "shipment", None)
    return {
        "shipment": shipment,
        "events": list(shipment.events.all()) if shipment else [],
        "addresses": list(order.client.addresses.all()),
        "can_return": bool(returnable(order)),
        "return_until": return_deadline(order),
    }
