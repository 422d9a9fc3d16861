"""Orders, their items and the history of their status."""

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem, PricingUnit
from cabinet.common.money import Currency

# --- Orders ------------------------------------------------------------------------------------


class Order(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Payment(models.TextChoices):
        BALANCE = "balance", _("From my balance")
        POINTS = "points", _("With bonus points")
        ON_SITE = "on_site", _("Pay on site")
        CARD = "card", _("By card")

    client = models.ForeignKey(ClientProfile, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    payment = models.CharField(max_length=8, choices=Payment.choices)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    note = models.CharField(_("note for the staff"), max_length=500, blank=True)
    # The form's one-time token: a double-submitted form places the order once.
    submission_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    custom = models.JSONField(default=dict, blank=True)  # the owner's fields, target "order"

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [GinIndex(fields=["custom"], name="order_custom_gin")]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_gte_0")
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(CatalogItem, null=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=120)  # as ordered, whatever the catalog says later
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    unit = models.CharField(max_length=8, choices=PricingUnit.choices)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=100),
                name="orderitem_quantity_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class OrderStatusChange(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"
