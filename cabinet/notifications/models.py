"""Notification events and channels, each person's choices, notifications and their
deliveries, push subscriptions, message templates, outgoing webhooks."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.verticals import notification_events

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
    it goes out again under the same `message_key` (cabinet/notifications/services.py)."""

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
    signed with this endpoint's secret (cabinet.notifications.outgoing)."""

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
