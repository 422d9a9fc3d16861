"""The business's own recurring plans for its clients (monthly parking, a term's fee, a
membership) and each client's subscription to one, billed to the client's card on the
business's connected Stripe account. Stripe holds the truth of a subscription and its invoices;
these rows are the cabinet's copy, written only from what Stripe says now
(cabinet.memberships.services.membership_sync)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.common.money import Currency
from cabinet.common.translatable import TranslatableMixin


class MembershipPlan(TranslatableMixin):
    translatable_fields = ("name", "description")

    class Interval(models.TextChoices):
        MONTH = "month", _("Every month")
        TERM = "term", _("Every term (3 months)")
        YEAR = "year", _("Every year")

    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.50"))]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    interval = models.CharField(
        _("billed"), max_length=8, choices=Interval.choices, default=Interval.MONTH
    )
    is_active = models.BooleanField(_("clients may subscribe"), default=True)
    # Its Product and current Price on the business's Stripe account. A price is never changed
    # at Stripe: an edit of price, currency or interval makes a new one (`stripe_price_key`
    # says which terms it has); subscribers keep the terms they signed up for.
    stripe_product_id = models.CharField(max_length=64, blank=True)
    stripe_price_id = models.CharField(max_length=64, blank=True)
    stripe_price_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-is_active", "name", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=Decimal("0.50")), name="membershipplan_price_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def months(self) -> int:
        return {"month": 1, "term": 3, "year": 12}[self.interval]

    @property
    def terms_key(self) -> str:
        return f"{self.price:.2f}:{self.currency}:{self.interval}"


class Membership(models.Model):
    """A client's subscription to a plan, as Stripe last said it is."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("Waiting for the first payment")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment failed")
        CANCELED = "canceled", _("Ended")

    client = models.ForeignKey(ClientProfile, on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="memberships")
    stripe_subscription_id = models.CharField(max_length=64, unique=True)
    stripe_customer_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INCOMPLETE)
    paused = models.BooleanField(default=False)  # Stripe's pause_collection
    cancel_at_period_end = models.BooleanField(default=False)
    current_period_end = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # What the client was charged, per period, at the terms they subscribed on.
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    currency = models.CharField(max_length=3, default="EUR")
    months = models.PositiveSmallIntegerField(default=1)  # the period those terms bill
    # Compare-and-set: a write only from a read of Stripe begun after the previous write.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["plan", "status"])]

    def __str__(self) -> str:
        return f"{self.client_id} on {self.plan_id}: {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.CANCELED

    @property
    def open_invoice(self) -> "MembershipInvoice | None":
        """The invoice waiting to be paid (read from the prefetched invoices)."""
        return next((i for i in self.invoices.all() if i.status == "open"), None)

    @property
    def shown_status(self) -> str:
        if self.status == self.Status.ACTIVE and self.paused:
            return str(_("Paused"))
        if self.status == self.Status.ACTIVE and self.cancel_at_period_end:
            return str(_("Ends at the end of the period"))
        return str(self.get_status_display())


class MembershipInvoice(models.Model):
    """One of Stripe's invoices of a membership: what was asked, what was paid, and where the
    client pays or reads it (Stripe's hosted invoice page)."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="invoices")
    stripe_invoice_id = models.CharField(max_length=64, unique=True)
    number = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16)  # Stripe's: draft, open, paid, void, uncollectible
    amount_due = models.DecimalField(max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    hosted_url = models.URLField(max_length=500, blank=True)
    pdf_url = models.URLField(max_length=500, blank=True)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField()
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-issued_at", "-id")

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id
