"""The wallet (balance and points) and its ledger; loyalty: tiers, clubs, offers and the
owner's rules."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.common.money import Currency
from cabinet.common.translatable import TranslatableMixin

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
