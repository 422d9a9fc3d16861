"""Chat between a client and the staff: the client writes and goes on with their day; staff
answer with the client's history in front of them. New messages appear by HTMX polling."""

import uuid

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking
from cabinet.common.images import image_reencoded
from cabinet.common.storage_quota import storage_changed, storage_check
from cabinet.messaging.models import Message, Thread
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.orders.models import Order
from cabinet.work.intake import work_close, work_open
from rbac.audit import audit_record
from rbac.models import User

MAX_BODY = 4000
MAX_ATTACHMENT = 5 * 1024 * 1024
CLIENT_MESSAGES_PER_MINUTE = 10


def subject_thread(
    client: ClientProfile, *, order: Order | None = None, booking: Booking | None = None
) -> Thread:
    """The one thread about this order or booking of the client's (made on first question)."""
    if (order is None) == (booking is None):
        raise ValueError("a thread is about one order or one booking")
    if order is not None:
        subject = _("Order #%(number)s") % {"number": order.pk}
        found = Thread.objects.filter(client=client, order=order).first()
    else:
        subject = str(booking.event.title)[:120]
        found = Thread.objects.filter(client=client, booking=booking).first()
    if found is not None:
        return found
    with transaction.atomic():
        thread, _created = Thread.objects.get_or_create(
            client=client, order=order, booking=booking, defaults={"subject": subject}
        )
    return thread


def client_threads(client: ClientProfile) -> list[Thread]:
    """All the client's threads, the general one first."""
    return sorted(
        Thread.objects.filter(client=client),
        key=lambda t: (
            t.order_id is not None or t.booking_id is not None,
            -t.last_message_at.timestamp(),
        ),
    )


def thread_url(thread: Thread) -> str:
    """Where the client reads this thread."""
    if thread.order_id is None and thread.booking_id is None:
        return "/messages/"
    return f"/messages/t/{thread.pk}/"


def general_thread(client: ClientProfile) -> Thread:
    thread = Thread.objects.filter(client=client, order__isnull=True, booking__isnull=True).first()
    if thread is None:
        thread, _created = Thread.objects.get_or_create(
            client=client, order=None, booking=None, defaults={"subject": _("Questions")}
        )
    return thread


def attachment_clean(upload: UploadedFile) -> tuple[ContentFile, str]:
    """An image is re-encoded (its metadata and anything hidden in it gone); a PDF is checked by
    its first bytes; anything else — an .exe named .jpg included — is refused."""
    if upload.size is None or upload.size > MAX_ATTACHMENT:
        raise ValidationError(_("Attachments are at most 5 MB."), code="too_big")
    head = upload.read(5)
    upload.seek(0)
    stem = get_valid_filename((upload.name or "file").rsplit(".", 1)[0])[:60] or "file"
    if head == b"%PDF-":
        return ContentFile(upload.read()), f"{stem}.pdf"
    try:
        data, extension = image_reencoded(upload, max_side=2000, max_bytes=MAX_ATTACHMENT)
    except ValidationError as exc:
        raise ValidationError(_("Send a picture (PNG, JPEG, WebP) or a PDF."), code="type") from exc
    return ContentFile(data), f"{stem}.{extension}"


def _rate_limited(author: User) -> bool:
    key = f"chat-rate:{author.pk}:{timezone.now():%Y%m%d%H%M}"
    cache.add(key, 0, 120)
    return cache.incr(key) > CLIENT_MESSAGES_PER_MINUTE


def message_post(
    *, thread: Thread, author: User, body: str, upload: UploadedFile | None = None
) -> Message:
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise ValidationError(_("A message has at most 4000 characters."), code="too_long")
    if not body and upload is None:
        raise ValidationError(_("Write something or attach a file."), code="empty")
    from_staff = author.is_staff
    if not from_staff and _rate_limited(author):
        raise ValidationError(_("You are sending messages very fast; wait a minute."), code="rate")
    attachment = attachment_clean(upload) if upload is not None else None
    if attachment is not None:
        storage_check(attachment[0].size, for_staff=from_staff)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.status == Thread.Status.CLOSED:
            raise ValidationError(_("This conversation is closed."), code="closed")
        message = Message(thread=locked, author=author, from_staff=from_staff, body=body)
        if attachment is not None:
            content, name = attachment
            message.attachment.save(f"{uuid.uuid4().hex}-{name}", content, save=False)
            message.attachment_name = name
            storage_changed()
        message.save()
        now = timezone.now()
        updates = {"last_message_at": now}
        if from_staff:
            updates["client_unread"] = F("client_unread") + 1
            if locked.first_response_at is None:
                updates["first_response_at"] = now
            if locked.assignee_id is None:
                updates["assignee"] = author
            audit_record(action="chat.answered", actor=author, target=locked)
            work_close(source=f"thread:{locked.pk}", by=author)
            with in_language_of(locked.client.user):  # the client's language, not the staff's
                title = _("%(who)s answered you") % {"who": author.get_short_name()}
            notify(
                recipient=locked.client.user, event=NotificationEvent.CHAT_ANSWER, title=title,
                body=body[:300], url=thread_url(thread), key=f"message:{message.pk}",
            )  # fmt: skip
        else:
            updates["staff_unread"] = F("staff_unread") + 1
            work_open(client=locked.client, kind="chat", source=f"thread:{locked.pk}",
                      title=locked.subject, details=body[:300])  # fmt: skip
        Thread.objects.filter(pk=locked.pk).update(**updates)
    return message


def thread_read(*, thread: Thread, by_staff: bool) -> None:
    field = "staff_unread" if by_staff else "client_unread"
    Thread.objects.filter(pk=thread.pk).update(**{field: 0})


def messages_after(thread: Thread, after: int) -> QuerySet[Message]:
    return thread.messages.filter(pk__gt=after).select_related("author")


@transaction.atomic
def thread_close(*, thread: Thread, by: User) -> None:
    Thread.objects.filter(pk=thread.pk).update(
        status=Thread.Status.CLOSED, closed_at=timezone.now()
    )
    audit_record(action="chat.closed", actor=by, target=thread)
    work_close(source=f"thread:{thread.pk}", by=by)
