"""A checkout (what a client is about to pay and how) and the offers redeemed through one."""

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.common.money import Currency
from cabinet.orders.models import Order
from cabinet.wallet.models import Offer


class Checkout(models.Model):
    """One priced thing a client reviews, pays and may get refunded: an order's items or an
    event's places. Open, it is the cart (a refused payment leaves it as it was); paid, it keeps
    the lines as shown, how it was paid and what went back."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        BOOKING = "booking", _("Booking")

    class Status(models.TextChoices):
        OPEN = "open", _("Not paid yet")
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="checkouts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    items = models.JSONField(default=dict, blank=True)  # {"item id": quantity}
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL)
    seats = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    payment = models.CharField(max_length=8, choices=Order.Payment.choices, blank=True)
    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkout"
    )
    booking = models.OneToOneField(
        "cabinet.Booking", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="checkout",
    )  # fmt: skip
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.SET_NULL)
    lines = models.JSONField(default=list, blank=True)  # as shown when paid
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    points_paid = models.PositiveIntegerField(default=0)
    points_refunded = models.PositiveIntegerField(default=0)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Paid by card: Stripe's payment (what refunds go back through), on the business's account.
    card_payment = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded__gte=0, refunded__lte=models.F("total")),
                name="checkout_refund_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(points_refunded__lte=models.F("points_paid")),
                name="checkout_points_refund_within_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"checkout {self.pk} ({self.kind}, {self.status})"

    @property
    def refundable(self) -> Decimal:
        return self.total - self.refunded


class OfferRedemption(models.Model):
    """An offer used at a paid checkout: what it took off and what the checkout brought in.
    Released (and its use given back) when the checkout is refunded in full."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="redemptions")
    client = models.ForeignKey(
        ClientProfile, null=True, on_delete=models.SET_NULL, related_name="redemptions"
    )
    checkout = models.OneToOneField(Checkout, on_delete=models.CASCADE, related_name="redemption")
    discount = models.DecimalField(max_digits=12, decimal_places=2)
    revenue = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["offer", "client"])]

    def __str__(self) -> str:
        return f"{self.offer_id} at checkout {self.checkout_id}"
