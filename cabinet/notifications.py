"""notify(recipient, event, …): one call, then each channel the person chose for that kind of
event, delivered by a worker with retries. A redelivered task never sends twice (a Delivery is
marked sent in the same transaction that found it pending); quiet hours delay, they do not drop."""

import datetime as dt
import logging

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cabinet.models import Channel, Delivery, Notification, NotificationSettings
from rbac.models import User
from tenants.tasks_base import enqueue_on_commit

logger = logging.getLogger(__name__)
TELEGRAM_TIMEOUT = 10


class DeliveryFailed(Exception):
    """A channel could not deliver now; the task retries with back-off."""


def settings_for(user: User) -> NotificationSettings:
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def _after_quiet_hours(prefs: NotificationSettings, now: dt.datetime) -> dt.datetime:
    if prefs.quiet_from is None or prefs.quiet_until is None:
        return now
    local = timezone.localtime(now)
    start, end, t = prefs.quiet_from, prefs.quiet_until, local.time()
    quiet = (start <= t < end) if start < end else (t >= start or t < end)
    if not quiet:
        return now
    resume = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if resume <= local:
        resume += dt.timedelta(days=1)
    return resume


def notify(*, recipient: User, event: str, title: str, body: str = "", url: str = "",
           key: str) -> Notification | None:  # fmt: skip
    """Record the notification (in-app) and queue its other channels. None when `key` was
    notified already."""
    prefs = settings_for(recipient)
    channels = prefs.channels_for(event)
    if not channels:
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=recipient, event=event, title=title[:200], body=body[:2000], url=url[:300],
                dedupe_key=f"{connection.schema_name}:{key}"[:120],
            )  # fmt: skip
    except IntegrityError:
        return None
    not_before = _after_quiet_hours(prefs, timezone.now())
    for channel in channels:
        if channel == Channel.IN_APP:
            continue
        if channel == Channel.TELEGRAM and not prefs.telegram_chat_id:
            continue
        delivery = Delivery.objects.create(notification=notification, channel=channel,
                                           not_before=not_before)  # fmt: skip
        from cabinet.tasks import deliver_notification

        delay = max(0, int((not_before - timezone.now()).total_seconds()))
        enqueue_on_commit(deliver_notification, delivery.pk, countdown_seconds=delay or None)
    return notification


def _send_email(notification: Notification) -> None:
    tenant = connection.tenant
    link = f"\n\n{notification.url}" if notification.url else ""
    send_mail(
        subject=f"[{tenant.name}] {notification.title}",
        message=f"{notification.body}{link}",
        from_email=f"{tenant.name} <{settings.DEFAULT_FROM_EMAIL}>",
        recipient_list=[notification.user.email],
    )


def _send_telegram(notification: Notification) -> None:
    prefs = settings_for(notification.user)
    if not settings.TELEGRAM_BOT_TOKEN or not prefs.telegram_chat_id:
        raise DeliveryFailed("Telegram is not set up")
    url = f"{settings.TELEGRAM_API_BASE}/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    text = f"{connection.tenant.name}: {notification.title}\n{notification.body}".strip()
    try:
        response = requests.post(
            url, json={"chat_id": prefs.telegram_chat_id, "text": text}, timeout=TELEGRAM_TIMEOUT
        )
    except requests.RequestException as exc:
        raise DeliveryFailed(f"telegram: {type(exc).__name__}") from exc
    if response.status_code != 200 or not response.json().get("ok"):
        raise DeliveryFailed(f"telegram answered {response.status_code}")


SENDERS = {Channel.EMAIL: _send_email, Channel.TELEGRAM: _send_telegram}


def delivery_run(*, delivery_id: int) -> str:
    """Send one delivery if it is still pending. Marked sent under a row lock, so a task that is
    delivered twice (a worker restart) sends once."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("notification__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status == Delivery.Status.SENT:
            return "skipped"
        delivery.attempts += 1
        try:
            SENDERS[delivery.channel](delivery.notification)
        except Exception as exc:  # any channel error: the attempt is logged, the task retries
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at, delivery.last_error = timezone.now(), ""
        delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    if delivery.status != Delivery.Status.SENT:
        raise DeliveryFailed(delivery.last_error)
    return "sent"


def delivery_give_up(*, delivery_id: int) -> None:
    Delivery.objects.filter(pk=delivery_id).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.FAILED
    )
