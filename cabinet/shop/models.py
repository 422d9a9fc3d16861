"""A shop's customers: where their orders go (the address book), how each travels (a shipment
with its carrier's tracking number), and what they send back (returns, refunded as store
credit)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.orders.models import Order, OrderItem


class Address(models.Model):
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("name of this address"), max_length=40, default="Home")
    recipient = models.CharField(_("recipient"), max_length=120)
    line1 = models.CharField(_("street and number"), max_length=200)
    line2 = models.CharField(_("flat, floor, entrance"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=80)
    postcode = models.CharField(
        _("postcode"), max_length=16,
        validators=[RegexValidator(r"^[0-9A-Za-z -]{2,16}$", _("Letters, digits and spaces."))],
    )  # fmt: skip
    country = models.CharField(_("country"), max_length=60)
    phone = models.CharField(_("phone for the courier"), max_length=32, blank=True)
    is_default = models.BooleanField(_("deliver here by default"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-is_default", "label", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_default=True), name="shop_one_default_address"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def one_line(self) -> str:
        parts = [self.recipient, self.line1, self.line2, f"{self.postcode} {self.city}",
                 self.country, self.phone]  # fmt: skip
        return ", ".join(p.strip() for p in parts if p and p.strip())


class Shipment(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        SHIPPED = "shipped", _("Handed to the carrier")
        IN_TRANSIT = "in_transit", _("On the way")
        OUT_FOR_DELIVERY = "out", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipment")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREPARING)
    address_text = models.CharField(_("deliver to"), max_length=600, blank=True)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(
        _("tracking number"), max_length=40, blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z-]{4,40}$", _("4 to 40 letters and digits."))],
    )  # fmt: skip
    updated_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"#{self.order_id} {self.status}"


class ShipmentEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=Shipment.Status.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status}"


class ReturnRequest(models.Model):
    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Arrived damaged")
        WRONG = "wrong", _("Not what I ordered")
        NOT_AS_DESCRIBED = "described", _("Not as described")
        CHANGED_MIND = "changed", _("Changed my mind")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved: send it back")
        REJECTED = "rejected", _("Declined")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    client = models.ForeignKey(ClientProfile, on_delete=models.PROTECT, related_name="returns")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    comment = models.CharField(_("anything we should know"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    staff_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"return {self.pk} of #{self.order_id}"


class ReturnLine(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_return_line_qty")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of item {self.order_item_id}"
