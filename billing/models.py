"""Billing's tables, all in the `public` schema: plans, each tenant's subscription, and the usage
ledger (an outbox that a later task flushes to Stripe).

Code reaches these tables from inside a tenant schema too: django-tenants' search path is
"<tenant>, public", and billing is a SHARED app only, so no tenant schema has tables of these
names to shadow them.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


class Metric(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    STAFF_SEATS = "staff_seats", _("Staff seats")
    ORDERS = "orders", _("Orders")
    BOOKINGS = "bookings", _("Bookings")
    NOTIFICATIONS = "notifications", _("Notifications")
    STORAGE_MB = "storage_mb", _("Storage in MB")
    ACTIVE_CLIENTS = "active_clients", _("Active clients")


# Counted per calendar month from the usage ledger.
MONTHLY_METRICS = frozenset({Metric.ORDERS, Metric.BOOKINGS, Metric.NOTIFICATIONS})
# Counted per calendar month (a client once a month) and shown to the owner; not billed.
REPORTED_METRICS = frozenset({Metric.ACTIVE_CLIENTS})
# A level at a moment (how many there are now): the caller counts it, billing compares.
GAUGE_METRICS = frozenset({Metric.CLIENTS, Metric.STAFF_SEATS, Metric.STORAGE_MB})
# Billed through Stripe beyond the plan's quota: monthly metrics as the month's sum, gauges as
# the period's last reading (taken nightly).
BILLED_METRICS = MONTHLY_METRICS | GAUGE_METRICS

# The Plan field holding each metric's included quota, and its price beyond the quota.
QUOTA_FIELDS: dict[str, str] = {
    Metric.CLIENTS: "clients",
    Metric.STAFF_SEATS: "staff_seats",
    Metric.ORDERS: "orders_per_month",
    Metric.BOOKINGS: "bookings_per_month",
    Metric.NOTIFICATIONS: "notifications_per_month",
    Metric.STORAGE_MB: "storage_mb",
}
OVERAGE_FIELDS: dict[str, str] = {
    Metric.CLIENTS: "overage_per_client",
    Metric.STAFF_SEATS: "overage_per_staff_seat",
    Metric.ORDERS: "overage_per_order",
    Metric.BOOKINGS: "overage_per_booking",
    Metric.NOTIFICATIONS: "overage_per_notification",
    Metric.STORAGE_MB: "overage_per_storage_mb",
}


def _quota(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        verbose_name, null=True, blank=True, help_text=_("Empty means unlimited.")
    )


def _overage(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=4, default=Decimal(0))


class Plan(models.Model):
    """What a tenant pays each month, what that includes, and the unit prices beyond it.
    Exactly one plan at most is the default: the plan of every tenant without a subscription."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    monthly_price = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    is_default = models.BooleanField(default=False)

    clients = _quota(_("clients"))
    staff_seats = _quota(_("staff seats"))
    orders_per_month = _quota(_("orders per month"))
    bookings_per_month = _quota(_("bookings per month"))
    notifications_per_month = _quota(_("notifications per month"))
    storage_mb = _quota(_("storage in MB"))

    overage_per_client = _overage(_("price per client beyond the quota"))
    overage_per_staff_seat = _overage(_("price per staff seat beyond the quota"))
    overage_per_order = _overage(_("price per order beyond the quota"))
    overage_per_booking = _overage(_("price per booking beyond the quota"))
    overage_per_notification = _overage(_("price per notification beyond the quota"))
    overage_per_storage_mb = _overage(_("price per MB of storage beyond the quota"))

    # Stripe's copy of the plan (billing.plans.plan_sync): the monthly price, and one graduated
    # metered price per monthly metric (free up to the quota, the overage price beyond). A price
    # in Stripe never changes, so an edited plan gets new ones; `stripe_signature` says which
    # version of the plan the ids belong to.
    stripe_product_id = models.CharField(max_length=64, blank=True)
    stripe_price_id = models.CharField(max_length=64, blank=True)
    stripe_metered_prices = models.JSONField(default=dict, blank=True)
    stripe_signature = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("monthly_price", "code")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="billing_plan_one_default",
            ),
            models.CheckConstraint(
                condition=Q(monthly_price__gte=0), name="billing_plan_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="billing_plan_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(
                    overage_per_client__gte=0,
                    overage_per_staff_seat__gte=0,
                    overage_per_order__gte=0,
                    overage_per_booking__gte=0,
                    overage_per_notification__gte=0,
                    overage_per_storage_mb__gte=0,
                ),
                name="billing_plan_overage_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def quota(self, metric: str) -> int | None:
        """The quantity of `metric` the plan includes; None means unlimited."""
        field = QUOTA_FIELDS.get(metric)  # reported-only metrics have no quota
        return None if field is None else getattr(self, field)

    def quota_label(self, metric: str) -> str:
        return str(self._meta.get_field(QUOTA_FIELDS[metric]).verbose_name)

    def overage_price(self, metric: str) -> Decimal:
        return getattr(self, OVERAGE_FIELDS[metric])

    @property
    def is_free(self) -> bool:
        return self.monthly_price == 0


class Subscription(models.Model):
    """A tenant's plan. Created when a tenant first chooses (or is given) a plan; a tenant
    without one, or with a cancelled one, is on the default plan."""

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        CANCELED = "canceled", _("Cancelled")

    # The statuses in which the subscribed plan applies (dunning is the tenant lifecycle's job).
    PLAN_STATUSES = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The tenant's Stripe customer (one per tenant, opened after provisioning) and its live
    # Stripe subscription, once the owner subscribed through Checkout.
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # Since when Stripe has reported the payment failing; dunning counts from here.
    past_due_since = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # How many times Stripe's state was written here: an apply writes only if no other apply
    # wrote since it began reading Stripe (compare and set), so older state never overwrites
    # newer. `stripe_created` is the applied Stripe subscription's creation time: an older
    # subscription (one a plan switch replaced) never replaces a newer one.
    stripe_version = models.PositiveBigIntegerField(default=0)
    stripe_created = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start"))
                | Q(current_period_start__isnull=True)
                | Q(current_period_end__isnull=True),
                name="billing_subscription_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.plan_id} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event as Stripe sent it, stored once under its event id before it is answered;
    a task applies it (billing.tasks.stripe_event_apply) and records the outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        SKIPPED = "skipped", _("Skipped")

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=128)
    customer_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(null=True, blank=True)  # Stripe's `created`
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.CharField(max_length=500, blank=True)
    # Tries so far and the last error: a pending event is retried by its task with back-off,
    # then by the periodic sweep; one still pending past the alert age is reported once.
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(outcome="pending"),
                name="billing_event_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"


class BillingMeter(models.Model):
    """The Stripe Billing Meter a monthly metric is reported to (created once, by plan_sync)."""

    metric = models.CharField(max_length=16, choices=Metric.choices, unique=True)
    event_name = models.CharField(max_length=100, unique=True)
    stripe_meter_id = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"{self.metric} → {self.event_name}"


class MeterBatch(models.Model):
    """A frozen sum of one tenant's unflushed usage of one metric, as one Stripe meter event;
    or, for a gauge (clients, staff seats, storage), one nightly reading of its level (no
    ledger rows: the reading is the batch, one per tenant, gauge and day).

    The batch (with its identifier) commits before anything is sent, and claims its ledger rows
    in the same transaction; sending then happens outside any transaction and stamps `sent_at`.
    A flush that crashes or is retried re-sends the same batch with the same identifier, which
    Stripe counts once — so no usage is counted twice, and none is lost."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="meter_batches")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    quantity = models.PositiveIntegerField()
    identifier = models.CharField(max_length=100, unique=True)
    customer_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()  # the newest event's time: the meter event's timestamp
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="billing_batch_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.metric} +{self.quantity}"


class UsageEvent(models.Model):
    """One unit of metered use, written in the same transaction as the business event it
    counts (an outbox): it exists exactly when that event committed. Append-only; a later task
    sends unflushed rows to Stripe and stamps `flushed_at`."""

    # No index of their own: the unique (tenant, metric, key) index serves look-ups by tenant,
    # and a batch's rows are found through it rarely; every index costs each recorded event.
    # No database foreign key to the tenant either: its check locks the tenant's row (FOR KEY
    # SHARE) on every insert, which writes that row and made recording ~40 % slower (raw
    # psycopg, 4 processes: 3,338 -> 5,549 events/s without it). The tenant comes from
    # billed_tenant(), a saved row; deleting a tenant still takes its ledger (CASCADE runs in
    # Django's collector), and the flush skips rows of a tenant without a subscription.
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        related_name="usage_events",
        db_index=False,
        db_constraint=False,
    )
    metric = models.CharField(max_length=16, choices=Metric.choices)
    quantity = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=200)
    occurred_at = models.DateTimeField(default=timezone.now)
    flushed_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        MeterBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "metric", "idempotency_key"],
                name="billing_usage_event_once_per_key",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="billing_usage_event_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(metric__in=Metric.values), name="billing_usage_event_metric_known"
            ),
            models.CheckConstraint(
                condition=~Q(idempotency_key=""), name="billing_usage_event_key_not_empty"
            ),
        ]
        indexes = [
            # period_usage(): one tenant's metric over a month
            models.Index(
                fields=["tenant", "metric", "occurred_at"], name="billing_usage_period_idx"
            ),
            # the flush to Stripe reads only what it has not sent yet
            models.Index(
                fields=["occurred_at"],
                condition=Q(flushed_at__isnull=True),
                name="billing_usage_unflushed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.metric} +{self.quantity} ({self.idempotency_key})"


class PaymentAccount(models.Model):
    """A business's own Stripe account (Stripe Connect), which its clients' card payments go to."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="payment_account")
    stripe_account = models.CharField(max_length=255, unique=True)
    charges_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.stripe_account}"


class UsageCheck(models.Model):
    """The nightly comparison of what the ledger sent to Stripe with what Stripe counted, for one
    tenant and metric this month: the latest result, shown to platform admins."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="usage_checks")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    ledger = models.PositiveBigIntegerField()
    stripe = models.DecimalField(max_digits=20, decimal_places=4)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "metric"], name="usage_check_once")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.metric}: {self.ledger} vs {self.stripe}"

    @property
    def drift(self) -> Decimal:
        return self.stripe - self.ledger
