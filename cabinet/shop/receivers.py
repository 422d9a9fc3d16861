from django.db.models.signals import post_save
from django.dispatch import receiver

from cabinet.models import Order
from cabinet.verticals import current_vertical


@receiver(post_save, sender=Order, dispatch_uid="shop-order-shipment")
def order_ships(sender: type, instance: Order, created: bool, **kwargs: object) -> None:
    """A shop's new order gets its shipment, in the order's transaction."""
    if created and current_vertical() == "shop" and not kwargs.get("raw"):
        from cabinet.shop.services import shipment_open

        shipment_open(instance)
