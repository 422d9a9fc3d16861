from typing import Any

from django.dispatch import receiver

from cabinet.shop.models import Address, ReturnRequest, Shipment
from cabinet.verticals import current_vertical
from rbac.models import User
from rbac.signals import (
    PersonalDataSection,
    personal_data_erasing,
    personal_data_requested,
    personal_record,
)


@receiver(personal_data_requested, dispatch_uid="shop-personal-data")
def export_shop_data(sender: type[User], user: User, **kwargs: Any) -> list[PersonalDataSection]:
    """A customer's address book, parcels and returns, for their data export."""
    if current_vertical() != "shop":
        return []
    return [
        PersonalDataSection(
            title="Addresses",
            records=[
                personal_record(
                    label=a.label,
                    recipient=a.recipient,
                    line1=a.line1,
                    line2=a.line2,
                    city=a.city,
                    postcode=a.postcode,
                    country=a.country,
                    phone=a.phone,
                )
                for a in Address.objects.filter(client__user=user)
            ],
            sources=("shop.Address",),
        ),
        PersonalDataSection(
            title="Shipments",
            records=[
                personal_record(
                    order=s.order_id,
                    status=s.status,
                    deliver_to=s.address_text,
                    carrier=s.carrier,
                    tracking_number=s.tracking_number,
                    delivered=s.delivered_at,
                )
                for s in Shipment.objects.filter(order__client__user=user)
            ],
            sources=("shop.Shipment",),
        ),
        PersonalDataSection(
            title="Returns",
            records=[
                personal_record(
                    order=r.order_id,
                    reason=r.reason,
                    comment=r.comment,
                    status=r.status,
                    amount=r.amount,
                    asked=r.created_at,
                    decided=r.decided_at,
                )
                for r in ReturnRequest.objects.filter(client__user=user)
            ],
            sources=("shop.ReturnRequest",),
        ),
    ]


@receiver(personal_data_erasing, dispatch_uid="shop-personal-data-erase")
def erase_shop_data(sender: type[User], user: User, **kwargs: Any) -> None:
    """The address book goes; shipments and returns (accounting) stay without the address and
    the customer's words."""
    Address.objects.filter(client__user=user).delete()
    Shipment.objects.filter(order__client__user=user).update(address_text="")
    ReturnRequest.objects.filter(client__user=user).update(comment="")
