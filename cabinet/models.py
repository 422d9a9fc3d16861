import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cabinet.images import PictureField, small_name
from cabinet.translatable import TranslatableMixin
from cabinet.verticals import notification_events, verticals

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a6b5c."))


class FontChoice(models.TextChoices):
    """Font pairings (headings / text) shipped in our static files, Latin and Cyrillic."""

    SYSTEM = "system", _("System: the phone's own font, fastest")
    MODERN = "modern", _("Modern: Inter")
    CLASSIC = "classic", _("Classic: Lora headings, Inter text")
    ELEGANT = "elegant", _("Elegant: Playfair Display headings, Manrope text")
    FRIENDLY = "friendly", _("Friendly: Nunito")


SYSTEM_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
SERIF_FALLBACK = 'Georgia, "Times New Roman", serif'
# (headings, text) for each pairing; the families are declared in static/css/fonts.css.
FONT_PAIRINGS = {
    FontChoice.SYSTEM: (SYSTEM_STACK, SYSTEM_STACK),
    FontChoice.MODERN: (f'"Inter", {SYSTEM_STACK}', f'"Inter", {SYSTEM_STACK}'),
    FontChoice.CLASSIC: (f'"Lora", {SERIF_FALLBACK}', f'"Inter", {SYSTEM_STACK}'),
    FontChoice.ELEGANT: (f'"Playfair Display", {SERIF_FALLBACK}', f'"Manrope", {SYSTEM_STACK}'),
    FontChoice.FRIENDLY: (f'"Nunito", {SYSTEM_STACK}', f'"Nunito", {SYSTEM_STACK}'),
}


cover_small_name = small_name  # the cover's phone-sized rendition sits beside it, like a picture's


class Branding(TranslatableMixin):
    """How this tenant's cabinet looks. One row per schema (enforced by a constraint)."""

    translatable_fields = ("display_name", "tagline", "welcome_text")

    singleton = models.BooleanField(default=True, editable=False)
    display_name = models.CharField(_("name shown to clients"), max_length=120)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    welcome_text = models.TextField(_("welcome text"), max_length=2000, blank=True)
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    cover = models.ImageField(_("cover photo"), upload_to="branding/", blank=True)
    primary_colour = models.CharField(max_length=7, default="#1f5f8b", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#e0a100", validators=[hex_colour])
    font = models.CharField(max_length=16, choices=FontChoice.choices, default=FontChoice.SYSTEM)
    # The blocks of the clients' home page, in order (cabinet.home.BLOCKS); empty: the vertical's
    # defaults.
    home_blocks = models.JSONField(default=list, blank=True)
    # The languages the owner writes content in (codes of settings.LANGUAGES); empty: the
    # cabinet's default language and English (cabinet.content_i18n.content_languages).
    content_languages = models.JSONField(_("content languages"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="branding_one_row"),
            models.CheckConstraint(condition=models.Q(singleton=True), name="branding_singleton"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def font_stack(self) -> str:
        return FONT_PAIRINGS.get(self.font, FONT_PAIRINGS[FontChoice.SYSTEM])[1]

    @property
    def heading_font_stack(self) -> str:
        return FONT_PAIRINGS.get(self.font, FONT_PAIRINGS[FontChoice.SYSTEM])[0]

    @property
    def cover_small_url(self) -> str:
        return self.cover.storage.url(cover_small_name(self.cover.name)) if self.cover else ""


class BusinessDetails(models.Model):
    """What the business's receipts, invoices and vouchers say of it: its legal name, address and
    tax id, VAT, and the prefixes of its numbering series. One row per schema."""

    singleton = models.BooleanField(default=True, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    vat_percent = models.DecimalField(
        _("VAT %"), max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
        help_text=_("Leave empty if your prices carry no VAT."),
    )  # fmt: skip
    receipt_prefix = models.CharField(_("receipts start with"), max_length=12, default="R-")
    invoice_prefix = models.CharField(_("invoices start with"), max_length=12, default="INV-")
    voucher_prefix = models.CharField(_("vouchers start with"), max_length=12, default="V-")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="business_details_one_row"),
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="business_details_singleton"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or "business details"


class DocumentSeries(models.Model):
    """The last number given in one series (a kind of document, in one year): numbers are
    handed out under a row lock, so two documents never share one and none is skipped."""

    kind = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="document_series_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    RUB = "RUB", "RUB"
    GBP = "GBP", "GBP"


class InfoPage(TranslatableMixin):
    """A page of the business's information: the welcome, Wi-Fi and rules, meal times."""

    translatable_fields = ("title", "body")

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome")
        INFO = "info", _("Information")

    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INFO)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=10_000)
    image = PictureField(_("picture"), upload_to="pages/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.title


class CatalogCategory(TranslatableMixin):
    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "catalog categories"

    def __str__(self) -> str:
        return self.name


class PricingUnit(models.TextChoices):
    ITEM = "item", _("per item")
    NIGHT = "night", _("per night")
    PERSON = "person", _("per person")
    HOUR = "hour", _("per hour")
    LESSON = "lesson", _("per lesson")
    MONTH = "month", _("per month")


class CatalogItem(TranslatableMixin):
    """A service or product the business offers; a price of zero means it is included free."""

    translatable_fields = ("name", "description")

    category = models.ForeignKey(CatalogCategory, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    unit = models.CharField(max_length=8, choices=PricingUnit.choices, default=PricingUnit.ITEM)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    image = PictureField(_("picture"), upload_to="catalog/", blank=True)
    # When it can be ordered, in the business's local time: a daily window (it may run past
    # midnight, 22:00–02:00) and the days of the week (ISO numbers, "12345" = Monday–Friday).
    available_from = models.TimeField(_("available from"), null=True, blank=True)
    available_until = models.TimeField(_("available until"), null=True, blank=True)
    available_days = models.CharField(
        _("days of the week"), max_length=7, blank=True, default="",
        validators=[RegexValidator(r"^[1-7]{0,7}$", _("Use day numbers 1 (Monday) to 7."))],
    )  # fmt: skip

    class Meta:
        ordering = ("category__position", "position", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalogitem_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(available_from__isnull=True, available_until__isnull=True)
                | models.Q(available_from__isnull=False, available_until__isnull=False),
                name="catalogitem_window_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def has_window(self) -> bool:
        return self.available_from is not None and self.available_until is not None

    @property
    def availability_label(self) -> str:
        """ "07:00–23:00 · Mon, Tue" for clients; empty when it can always be ordered."""
        parts = []
        if self.has_window:
            parts.append(f"{self.available_from:%H:%M}–{self.available_until:%H:%M}")
        if self.available_days and len(set(self.available_days)) < 7:
            parts.append(
                ", ".join(str(WEEKDAYS_ABBR[int(d) - 1]) for d in sorted(set(self.available_days)))
            )
        return " · ".join(parts)

    def is_available_at(self, local: datetime.datetime) -> bool:
        """Orderable at this local date and time."""
        if self.available_days and str(local.isoweekday()) not in self.available_days:
            return False
        if not self.has_window:
            return True
        start, end, now = self.available_from, self.available_until, local.time()
        if start <= end:
            return start <= now < end
        return now >= start or now < end  # past midnight


class Event(TranslatableMixin):
    """Something clients book a place at: an excursion, an evening event, a class."""

    translatable_fields = ("title", "description", "location")

    class Kind(models.TextChoices):
        EXCURSION = "excursion", _("Excursion")
        EVENT = "event", _("Event")
        CLASS = "class", _("Class")
        APPOINTMENT = "appointment", _("Appointment")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EVENT)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    location = models.CharField(_("where"), max_length=120, blank=True)
    image = PictureField(_("picture"), upload_to="events/", blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"), default=10)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    # The event's own booking rules.
    cutoff_minutes = models.PositiveIntegerField(
        _("booking closes minutes before the start"), default=60,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )  # fmt: skip
    cancel_window_minutes = models.PositiveIntegerField(
        _("free cancellation until minutes before the start"), default=120,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )  # fmt: skip
    max_seats_per_booking = models.PositiveSmallIntegerField(
        _("places one client may book at once"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )  # fmt: skip

    class Meta:
        ordering = ("starts_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="event_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        """The places still free, never below 0: the capacity less the seats of confirmed
        bookings — as the selectors annotate them (`taken`), else counted now. The one place
        where "places left" is computed (pages, API, booking and checkout)."""
        taken = getattr(self, "taken", None)
        if taken is None:
            confirmed = self.bookings.filter(status=Booking.Status.CONFIRMED)
            taken = confirmed.aggregate(n=models.Sum("seats"))["n"] or 0
        return max(0, self.capacity - taken)


class ClientProfile(models.Model):
    """A client as the business knows them. Personal fields are masked for staff without the
    "view personal data" permission; who may see the record at all is rbac's policy, applied in
    cabinet.staff.selectors."""

    user = models.OneToOneField(
        "rbac.User", on_delete=models.CASCADE, related_name="client_profile"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    # Other clients may write to them directly (where the owner allows it); off until they say so.
    accepts_direct_messages = models.BooleanField(_("other clients may message me"), default=False)
    # The client's own words on their profile: what staff should know (a feather-free pillow).
    preferences = models.TextField(_("preferences"), max_length=1000, blank=True)
    # News and offers by email only with the client's consent, recorded with when it was given.
    marketing_consent = models.BooleanField(_("news and offers by email"), default=False)
    # The client as a customer of the business's own Stripe account: made only when they choose
    # to save a card, which it keeps.
    card_customer = models.CharField(max_length=64, blank=True, editable=False)
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("staff notes"), max_length=4000, blank=True)
    # The owner's own fields (CustomField, target "client"): {key: value}, see custom_fields.py.
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [GinIndex(fields=["custom"], name="clientprofile_custom_gin")]
        permissions = [
            ("view_personal_data", "Can reveal a client's masked field, with a reason"),
            ("export_clients", "Can export the client list"),
            ("view_all_clients", "Sees every client"),
            ("view_team_clients", "Sees the clients assigned to their team"),
            ("assign_clients", "Can assign clients to staff"),
            ("adjust_wallet", "Can adjust a client's balance or points, with a reason"),
            ("moderate_community", "Can hide and lock community posts and ban their authors"),
            ("end_client_sessions", "Can sign a client out of every device"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Assignment(models.Model):
    """Which staff member serves a client now (and who did before). Granting and revoking the
    object permission happens in the same transaction (cabinet.staff.services)."""

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey("rbac.User", on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(
        "rbac.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(ended_at__isnull=True),
                name="one_current_assignment_per_client",
            )
        ]  # fmt: skip
        indexes = [models.Index(fields=["staff", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.staff_id}"


class ClientProfileUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-client grants, with a real foreign key (indexed joins instead of
    the generic text object_pk), so "my clients" stays fast among 100,000."""

    content_object = models.ForeignKey(ClientProfile, on_delete=models.CASCADE)


class ClientProfileGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ClientProfile, on_delete=models.CASCADE)


class RequestType(TranslatableMixin):
    """A kind of client request and the standard way to handle it: how fast, and which steps."""

    translatable_fields = ("name", "form_hint")

    name = models.CharField(_("name"), max_length=80, unique=True)
    sla_minutes = models.PositiveIntegerField(_("answer within minutes"), default=240)
    checklist = models.JSONField(_("steps"), default=list, blank=True)
    # what intake files under this type ("chat", "order", a vertical's "checkin"…); "" for the
    # owner's own types
    code = models.SlugField(_("intake code"), max_length=40, blank=True, default="")
    client_requestable = models.BooleanField(_("clients may ask for it"), default=False)
    form_hint = models.CharField(_("question to the client"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="one_request_type_per_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkRequest(models.Model):
    """A client's request in the staff work queue, with its SLA deadline and its timeline (the
    KPIs are computed from it)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="requests")
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="requests")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        "rbac.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="work_requests"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    estimated_minutes = models.PositiveIntegerField(default=30)
    spent_minutes = models.PositiveIntegerField(default=0)
    checklist_done = models.JSONField(default=list, blank=True)
    # when each step was ticked ({"0": iso time}): the KPIs' "time per step"
    step_times = models.JSONField(default=dict, blank=True)
    # the client action it came from ("thread:12", "order:7", "form:<key>"); while the item is
    # open a second event from the same source finds it instead of making another
    source = models.CharField(max_length=80, blank=True, default="")
    details = models.TextField(_("details"), max_length=2000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["assignee", "status"]), models.Index(fields=["due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source="") & models.Q(status__in=["new", "in_progress"]),
                name="one_open_work_item_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overrun(self) -> bool:
        finished = self.done_at or timezone.now()
        return finished > self.due_at


# --- Money: wallet, ledger ---------------------------------------------------------------------


class Wallet(models.Model):
    """A client's balance and bonus points: the running totals of their ledger entries, kept in
    the same transaction as each entry. Points are never negative (a database constraint); the
    balance never goes negative by anything the client or staff do, only when a card payment
    that topped it up is taken back at Stripe (a refund in the business's dashboard, a dispute)
    after the money was spent: staff then see the debt (a work item, the client's page) and the
    client cannot pay from the balance until it is topped up again."""

    client = models.OneToOneField(ClientProfile, on_delete=models.CASCADE, related_name="wallet")
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=0), name="wallet_points_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.balance} {self.currency}, {self.points} pts"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        TOPUP = "topup", _("Top-up")
        SPEND = "spend", _("Payment")
        EARN = "earn", _("Points earned")
        REDEEM = "redeem", _("Points spent")
        ADJUST = "adjust", _("Adjustment")
        EXPIRE = "expire", _("Points expired")
        REFUND = "refund", _("Refund")
        DISPUTE = "dispute", _("Card dispute")

    class Account(models.TextChoices):
        BALANCE = "balance", _("Balance")
        POINTS = "points", _("Points")
        CARD = "card", _("Card")  # money paid or given back by card: no wallet total moves

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="ledger")
    account = models.CharField(max_length=8, choices=Account.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # signed
    order = models.ForeignKey("cabinet.Order", null=True, blank=True, on_delete=models.SET_NULL)
    checkout = models.ForeignKey(
        "cabinet.Checkout", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger"
    )
    # One entry per key: an order earns its points once however often the task runs.
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


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


# --- Bookings ----------------------------------------------------------------------------------


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="bookings")
    seats = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # When staff checked the client's voucher at the door: a visit, in the client's history.
    checked_in_at = models.DateTimeField(null=True, blank=True)
    custom = models.JSONField(default=dict, blank=True)  # the owner's fields, target "booking"

    class Meta:
        ordering = ("created_at", "id")
        indexes = [GinIndex(fields=["custom"], name="booking_custom_gin")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats__gte=1, seats__lte=10), name="booking_seats_range"
            ),
            models.UniqueConstraint(
                fields=["event", "client"], condition=~models.Q(status="cancelled"),
                name="one_live_booking_per_client_and_event",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.event_id}"


class Document(models.Model):
    """A receipt, invoice or voucher as PDF, made by a worker; private to its client and
    permitted staff, served through signed, expiring links."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        INVOICE = "invoice", _("Invoice")
        VOUCHER = "voucher", _("Voucher")

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.CASCADE)
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.CASCADE)
    file = models.FileField(upload_to="private/documents/")
    number = models.CharField(_("number"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


# --- Loyalty: tiers, clubs, personal offers -----------------------------------------------------


class Tier(TranslatableMixin):
    """A loyalty level reached by what a client has spent (finished, paid orders)."""

    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=60, unique=True)
    min_spent = models.DecimalField(_("from total spent"), max_digits=12, decimal_places=2)
    discount_percent = models.PositiveSmallIntegerField(_("discount %"), default=0)

    class Meta:
        ordering = ("min_spent",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__lte=90), name="tier_discount_max"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Club(TranslatableMixin):
    """A segment of clients with its own prices and perks (a family club, regulars, a class's
    parents). Clients join and leave themselves when the club is open; staff add and remove."""

    translatable_fields = ("name", "description", "perks")

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    discount_percent = models.PositiveSmallIntegerField(
        _("club price: discount %"), default=0, validators=[MaxValueValidator(90)]
    )
    perks = models.TextField(_("perks"), max_length=2000, blank=True)
    is_open = models.BooleanField(_("clients may join and leave themselves"), default=True)
    members = models.ManyToManyField(ClientProfile, blank=True, related_name="clubs")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount_percent__lte=90), name="club_discount_max"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Segment(models.TextChoices):
    """Groups of clients an offer can target, computed from what the cabinet knows."""

    NEW = "new", _("New clients (nothing finished yet)")
    BIRTHDAY = "birthday", _("Birthday this month")
    LAPSED = "lapsed", _("Not ordered for 90 days")


class Offer(TranslatableMixin):
    """An offer for everyone, or for one client, a tier, a club or a segment; shown until it
    expires. With a code it is redeemed at checkout, within its use limits."""

    translatable_fields = ("title", "description")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    club = models.ForeignKey(
        Club, null=True, blank=True, on_delete=models.CASCADE, related_name="offers"
    )
    client = models.ForeignKey(
        ClientProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="offers"
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.CASCADE, related_name="offers"
    )
    segment = models.CharField(_("segment"), max_length=12, choices=Segment.choices, blank=True)
    code = models.CharField(_("code"), max_length=32, blank=True)
    discount_percent = models.PositiveSmallIntegerField(
        _("discount %"), default=0, validators=[MaxValueValidator(90)]
    )
    discount_amount = models.DecimalField(
        _("discount amount"), max_digits=10, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    max_uses = models.PositiveIntegerField(_("uses in all"), null=True, blank=True)
    max_uses_per_client = models.PositiveSmallIntegerField(
        _("uses per client"), default=1, validators=[MinValueValidator(1)]
    )
    uses = models.PositiveIntegerField(default=0, editable=False)
    valid_until = models.DateTimeField(_("valid until"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("valid_until",)
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(club__isnull=True, tier__isnull=True, segment="")
                    | models.Q(client__isnull=True, tier__isnull=True, segment="")
                    | models.Q(client__isnull=True, club__isnull=True, segment="")
                    | models.Q(client__isnull=True, club__isnull=True, tier__isnull=True)
                ),
                name="offer_has_at_most_one_target",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="offer_code_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True)
                | models.Q(uses__lte=models.F("max_uses")),
                name="offer_uses_within_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_percent__lte=90), name="offer_discount_max"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LoyaltySettings(models.Model):
    """The owner's rules for paying and earning. One row per schema; until saved, defaults."""

    singleton = models.BooleanField(default=True, editable=False)
    on_site_allowed = models.BooleanField(_("clients may choose to pay on site"), default=True)
    earn_percent = models.PositiveSmallIntegerField(
        _("points earned, % of what was paid"), default=5, validators=[MaxValueValidator(50)]
    )
    earn_on_bookings = models.BooleanField(_("paid events earn points too"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="loyalty_settings_one_row"),
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="loyalty_settings_singleton"
            ),
        ]

    def __str__(self) -> str:
        return "loyalty settings"


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


# --- Chat with staff ---------------------------------------------------------------------------


class Thread(models.Model):
    """A conversation between a client and the staff: a general one, or about an order or a
    booking."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="threads")
    subject = models.CharField(_("subject"), max_length=120)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        "rbac.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    client_unread = models.PositiveIntegerField(default=0)
    staff_unread = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-last_message_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(order__isnull=True, booking__isnull=True),
                name="one_general_thread_per_client",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField(max_length=4000, blank=True)
    attachment = models.FileField(upload_to="private/chat/", blank=True)
    attachment_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.body[:40]


class CannedAnswer(TranslatableMixin):
    translatable_fields = ("title", "body")

    title = models.CharField(_("title"), max_length=80, unique=True)
    body = models.TextField(_("text"), max_length=2000)
    # offered to clients who read this language ("" for everyone), for this type of request
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    request_type = models.ForeignKey(
        RequestType, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="canned_answers", verbose_name=_("request type"),
    )  # fmt: skip

    def __str__(self) -> str:
        return self.title


# --- Notifications -----------------------------------------------------------------------------


class NotificationEvent(models.TextChoices):
    ORDER_STATUS = "order_status", _("My order changed")
    BOOKING = "booking", _("My bookings")
    CHAT_ANSWER = "chat_answer", _("An answer to my question")
    SLA_WARNING = "sla_warning", _("A request nears its deadline")
    NEW_WORK = "new_work", _("New work for me or my team")
    FEEDBACK = "feedback", _("Asking for my opinion")
    MEMBERSHIP = "membership", _("My memberships and their payments")


STAFF_EVENTS = {NotificationEvent.SLA_WARNING, NotificationEvent.NEW_WORK}  # offered to staff only


def notification_event_choices() -> list[tuple[str, object]]:
    """The core's events, then every installed vertical's (offered in its cabinets only)."""
    added = [(event, label) for event, (label, _vertical) in notification_events().items()]
    return [*NotificationEvent.choices, *added]


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the cabinet")
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", _("Telegram")
    PUSH = "push", _("Push on my devices")
    SMS = "sms", _("SMS")


DEFAULT_CHANNELS = [Channel.IN_APP, Channel.EMAIL]


class NotificationSettings(models.Model):
    """Which channels a person wants for which events, and their quiet hours."""

    user = models.OneToOneField(
        "rbac.User", on_delete=models.CASCADE, related_name="notification_settings"
    )
    channels = models.JSONField(default=dict, blank=True)  # {event: [channel, ...]}
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    telegram_chat_id = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"

    def channels_for(self, event: str) -> list[str]:
        chosen = self.channels.get(event)
        return [
            c for c in (chosen if chosen is not None else DEFAULT_CHANNELS) if c in Channel.values
        ]


class PushSubscription(models.Model):
    """One browser's push subscription (the Push API's endpoint and keys), for one person."""

    user = models.ForeignKey(
        "rbac.User", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=120)
    auth = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"push for {self.user_id}"


class Notification(models.Model):
    user = models.ForeignKey("rbac.User", on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=16, choices=notification_event_choices)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=2000, blank=True)
    url = models.CharField(max_length=300, blank=True)
    # The same business event notifies once, however often it is reported.
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One notification on one channel: every attempt is counted and its error kept, for staff.

    pending (or held for a digest) → sending → sent, or back to pending after a failed attempt,
    and failed once out of tries. `sending` is committed before the message leaves, with a lease:
    a row found in `sending` after its lease ran out was being sent by a worker that died, and
    it goes out again under the same `message_key` (cabinet/notifications.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        HELD = "held", _("Held for a digest")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    not_before = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # until when the attempt that set `sending` may still be under way
    lease_until = models.DateTimeField(null=True, blank=True)
    # the identity of the message this row goes out in (its own, or its digest's), the same on
    # every attempt: the e-mail's Message-ID, the push's Topic, the provider's idempotency key
    message_key = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending")
                | (models.Q(lease_until__isnull=False) & ~models.Q(message_key="")),
                name="a_sending_delivery_has_a_lease_and_a_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"


# --- Community: topics and replies between clients, moderated by staff; direct messages --------


class CommunityTopic(models.Model):
    author = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    reply_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)

    class Meta:
        ordering = ("-last_activity_at", "-id")

    def __str__(self) -> str:
        return self.title


class CommunityReply(models.Model):
    topic = models.ForeignKey(CommunityTopic, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    is_hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"reply {self.pk} to {self.topic_id}"


class CommunityBan(models.Model):
    """A client who may no longer post in the community or message other clients."""

    user = models.OneToOneField("rbac.User", on_delete=models.CASCADE, related_name="community_ban")
    by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"ban of {self.user_id}"


class DirectConversation(models.Model):
    """Two clients writing to each other; `first` has the lower id, so a pair has one."""

    first = models.ForeignKey("rbac.User", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("rbac.User", on_delete=models.CASCADE, related_name="+")
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="direct_conversation_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="direct_conversation_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ↔ {self.second_id}"


class DirectMessage(models.Model):
    conversation = models.ForeignKey(
        DirectConversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey("rbac.User", on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"message {self.pk}"


class MessageTemplate(models.Model):
    """The owner's own wording of an email for one kind of event, in one language. Placeholders:
    {name} (the client's first name), {title} and {details} (what happened), {cabinet}."""

    event = models.CharField(max_length=16, choices=notification_event_choices)
    language = models.CharField(max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "language"], name="message_template_once")
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.language})"


# --- Outgoing webhooks ---------------------------------------------------------------------------


class WebhookEndpoint(models.Model):
    """A URL of the business's own systems that hears of events in the cabinet, each delivery
    signed with this endpoint's secret (cabinet.outgoing)."""

    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at",)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")  # claimed by an attempt until `lease_until`
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")  # fmt: skip
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


def custom_field_target_choices() -> list[tuple[str, object]]:
    """What the owner may add fields to: the core's records, then every vertical's."""
    added = [(t.key, t.label) for vertical in verticals() for t in vertical.field_targets]
    return [*CustomField.Target.choices, *added]


class CustomField(models.Model):
    """A field the owner adds to clients, orders, bookings or a vertical's records (a hotel's
    stays), without code.
    Values live on the record itself, in its `custom` JSON column (GIN-indexed): read with the
    row, erased and exported with it; see cabinet/custom_fields.py for why not a value table."""

    class Target(models.TextChoices):
        CLIENT = "client", _("Clients")
        ORDER = "order", _("Orders")
        BOOKING = "booking", _("Event bookings")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("A number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        YES_NO = "yes_no", _("Yes or no")
        FILE = "file", _("File")

    class Access(models.TextChoices):
        CLIENT = "client", _("The client sees and edits it")
        STAFF = "staff", _("Staff only")
        PERSONAL = "personal", _("Personal data: the client edits it, staff see it masked")

    target = models.CharField(_("added to"), max_length=10, choices=custom_field_target_choices)
    key = models.SlugField(_("key"), max_length=40, help_text=_("Its name in the API and exports."))
    label = models.CharField(_("label"), max_length=80)
    help_text = models.CharField(_("hint"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    access = models.CharField(_("who sees it"), max_length=8, choices=Access.choices,
                              default=Access.STAFF)  # fmt: skip
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Switched off, it is hidden; its values are kept.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("target", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="one_custom_field_per_key")
        ]

    def __str__(self) -> str:
        return self.label


# --- Reviews and surveys (cabinet.feedback) ----------------------------------------------------


class Review(models.Model):
    """The client's rating (1–5) and comment on one finished thing: a stay, an order, an event.
    Asked once per thing (its `subject`); answered once; staff may reply, and the client sees it."""

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="reviews")
    # what was finished ("order:7", "stay:3", "booking:12"): one ask per subject, ever
    subject = models.CharField(max_length=40, unique=True)
    title = models.CharField(_("about"), max_length=200)  # as the client sees it: "Order #7"
    service = models.CharField(_("service"), max_length=120, blank=True)  # for the KPI figures
    # who handled the order or the stay (their KPI figures), when someone did
    staff = models.ForeignKey("rbac.User", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="reviews_handled")  # fmt: skip
    url = models.CharField(max_length=300, blank=True)  # the finished thing's page
    asked_at = models.DateTimeField(default=timezone.now, db_index=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reply = models.TextField(_("our answer"), max_length=2000, blank=True)
    replied_by = models.ForeignKey("rbac.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="review_replies")  # fmt: skip
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-asked_at", "-id")
        permissions = [("answer_reviews", "Can answer client reviews")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True, answered_at__isnull=True)
                | models.Q(rating__isnull=False, answered_at__isnull=False),
                name="review_rated_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.rating}"


class Survey(models.Model):
    """An owner's survey (NPS or CSAT) with its questions, sent once to a group of clients.
    Texts are per language ({"en": …, "ru": …}); the cabinet's default language is the fallback."""

    class Kind(models.TextChoices):
        NPS = "nps", _("NPS: would they recommend us")
        CSAT = "csat", _("CSAT: how satisfied they are")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Every client")
        LAST_WEEK = "last_week", _("Clients served in the last 7 days")
        LAST_MONTH = "last_month", _("Clients served in the last 30 days")
        TIER = "tier", _("A loyalty level")
        CLUB = "club", _("A club's members")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NPS)
    title = models.JSONField(_("title"), default=dict)  # {language: text}
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    audience = models.CharField(_("send to"), max_length=12, choices=Audience.choices,
                                default=Audience.EVERYONE)  # fmt: skip
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    club = models.ForeignKey(Club, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    created_by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL,
                                   related_name="surveys_made")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        permissions = [("manage_surveys", "Can design and send surveys and see their results")]

    def __str__(self) -> str:
        return str(self.title.get("en") or next(iter(self.title.values()), ""))


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("Rating from 1 to 5")
        NPS = "nps", _("Score from 0 to 10 (NPS)")
        CHOICE = "choice", _("One of several answers")
        TEXT = "text", _("Free text")
        YES_NO = "yes_no", _("Yes or no")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("answered by"), max_length=8, choices=Kind.choices)
    text = models.JSONField(_("question"), default=dict)  # {language: text}
    # [{language: text}, …]; an answer is the chosen one's position
    choices = models.JSONField(_("answers to choose from"), default=list, blank=True)
    required = models.BooleanField(_("an answer is required"), default=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return str(self.text.get("en") or next(iter(self.text.values()), ""))


class SurveyResponse(models.Model):
    """One client's place in a survey: made when it is sent to them, answered once."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE,
                               related_name="survey_responses")  # fmt: skip
    invited_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=dict, blank=True)  # {question id: value}
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ("-invited_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["survey", "client"], name="one_response_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} / {self.client_id}"


# The business's recurring plans for its clients, and their subscriptions (a module of its own).
from cabinet.memberships.models import (  # noqa: E402, F401
    Membership,
    MembershipInvoice,
    MembershipPlan,
)
