"""Chat threads and messages, canned answers, the community board and direct messages."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking
from cabinet.common.translatable import TranslatableMixin
from cabinet.orders.models import Order
from cabinet.work.models import RequestType

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
