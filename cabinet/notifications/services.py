"""notify(recipient, event, …): one call, then each channel the person chose for that kind of
event, delivered by a worker with retries. Each delivery is claimed (`sending`, with a lease)
before its message leaves and marked sent after, and each message has an identity of its own
that every attempt reuses (see "Sending" below); quiet hours delay, they do not drop; a burst on
one channel becomes a few messages and then one digest."""

import datetime as dt
import logging
import math
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from cabinet.content.translations import tr
from cabinet.notifications.models import Channel, Delivery, Notification, NotificationSettings
from rbac.models import User
from rbac.services import has_real_email
from tenants import egress, signing
from tenants.models import zone_or_utc
from tenants.services import tenant_link
from tenants.tasks_base import enqueue_on_commit, task_named

logger = logging.getLogger(__name__)
TELEGRAM_TIMEOUT = 10
TELEGRAM_MAX_ANSWER_BYTES = 256 * 1024  # sendMessage answers with the message, a few KB
# Fewer, more important messages: beyond BURST_LIMIT on one channel within BURST_WINDOW, the
# rest of a burst waits and goes out as one digest when the window has passed.
BURST_LIMIT = 3
BURST_WINDOW = dt.timedelta(minutes=10)


class DeliveryFailed(Exception):
    """A channel could not deliver now; the task retries with back-off. `attempts`: how many
    the delivery has had, which decides the back-off and when to give up."""

    def __init__(self, message: str, *, attempts: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts


@contextmanager
def in_language_of(user: User) -> Iterator[None]:
    """Words for `user` (reminders, digests, documents written by a worker, not in a request of
    theirs): their own language, else the cabinet's, and the cabinet's local time."""
    tenant = connection.tenant
    with (
        translation.override(user.language or tenant.default_language),
        timezone.override(zone_or_utc(getattr(tenant, "time_zone", "UTC"))),
    ):
        yield


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
    now = timezone.now()
    not_before = _after_quiet_hours(prefs, now)
    for channel in channels:
        if channel == Channel.IN_APP:
            continue
        if channel == Channel.TELEGRAM and not prefs.telegram_chat_id:
            continue
        if channel == Channel.PUSH and not recipient.push_subscriptions.exists():
            continue
        if channel == Channel.SMS and not _sms_possible(recipient):
            continue
        if channel == Channel.EMAIL and not has_real_email(recipient):
            continue  # a phone-only client (the front desk's): their address is a stand-in
        _queue(notification, channel, now=now, not_before=not_before)
    return notification


def _queue(notification: Notification, channel: str, *, now: dt.datetime,
           not_before: dt.datetime) -> None:  # fmt: skip
    """One message now, or (in a burst) a place in the digest that goes out when it ends."""
    deliver_digest = task_named("cabinet.deliver_digest")
    deliver_notification = task_named("cabinet.deliver_notification")

    mine = Delivery.objects.filter(notification__user=notification.user_id, channel=channel)
    recent = mine.filter(notification__created_at__gte=now - BURST_WINDOW).count()
    if recent < BURST_LIMIT:
        delivery = Delivery.objects.create(notification=notification, channel=channel,
                                           not_before=not_before)  # fmt: skip
        delay = max(0, int((not_before - now).total_seconds()))
        enqueue_on_commit(deliver_notification, delivery.pk, countdown_seconds=delay or None)
        return
    digest_due = max(not_before, now + BURST_WINDOW)
    first_held = not mine.filter(status=Delivery.Status.HELD).exists()
    Delivery.objects.create(notification=notification, channel=channel,
                            status=Delivery.Status.HELD, not_before=digest_due)  # fmt: skip
    if first_held:  # one digest per burst; a second one sent in a race finds nothing to send
        delay = int((digest_due - now).total_seconds())
        enqueue_on_commit(deliver_digest, notification.user_id, channel, countdown_seconds=delay)


PLACEHOLDER = re.compile(r"\{(?:name|title|details|cabinet)\}")


def owners_wording(
    user: User, event: str, title: str, body: str, cabinet: str
) -> tuple[str, str, str]:
    """(subject, heading, text) of an email: the owner's template for this kind of event in the
    person's language when there is one, with its placeholders filled; else what happened."""
    from cabinet.notifications.models import MessageTemplate

    template = (
        MessageTemplate.objects.filter(event=event, language=translation.get_language()).first()
        if event
        else None
    )
    if template is None:
        return title, title, body
    values = {"{name}": user.get_short_name(), "{title}": title, "{details}": body,
              "{cabinet}": cabinet}  # fmt: skip

    def fill(text: str) -> str:  # one pass: a value that looks like a placeholder stays as is
        return PLACEHOLDER.sub(lambda found: values[found.group(0)], text)

    return fill(template.subject), fill(template.subject), fill(template.body)


def _send_email(user: User, title: str, body: str, url: str, event: str = "", *,
                key: str = "") -> None:  # fmt: skip
    """A branded email (the cabinet's name, colour and logo) in the person's language, as HTML
    with a plain-text twin. `key` makes its Message-ID: the same on every attempt, so a copy sent
    again after an interrupted attempt is one the receiving side recognises and drops."""
    from cabinet.branding.selectors import branding_get

    tenant, branding = connection.tenant, branding_get()
    with in_language_of(user):
        name = tr(branding, "display_name")  # the owner's texts in the person's language too
        subject, title, body = owners_wording(user, event, title, body, name)
        context = {
            "branding": branding, "title": title, "body": body,
            "link": _absolute(url) if url else "",
            "logo_url": _absolute(branding.logo.url) if branding.logo else "",
            "settings_link": _absolute("/account/notifications/"),
            "recipient_name": user.get_short_name(), "language": translation.get_language(),
        }  # fmt: skip
        message = EmailMultiAlternatives(
            subject=f"[{name or tenant.name}] {subject}",
            body=render_to_string("emails/notification.txt", context),
            from_email=f"{name or tenant.name} <{settings.DEFAULT_FROM_EMAIL}>",
            to=[user.email],
            headers={"Message-ID": message_id(key)} if key else None,
        )
        message.attach_alternative(
            render_to_string("emails/notification.html", context), "text/html"
        )
    message.send()


def _send_telegram(user: User, title: str, body: str, url: str, event: str = "", *,
                   key: str = "", prefs: NotificationSettings | None = None) -> None:  # fmt: skip
    prefs = prefs or settings_for(user)  # a chat being linked passes its own (unsaved) prefs
    if not settings.TELEGRAM_BOT_TOKEN or not prefs.telegram_chat_id:
        raise DeliveryFailed("Telegram is not set up")
    api = f"{settings.TELEGRAM_API_BASE}/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    text = f"{connection.tenant.name}: {title}\n{body}".strip()
    guarded = egress.session(
        allow_private=settings.TELEGRAM_ALLOW_PRIVATE, timeout=TELEGRAM_TIMEOUT,
        max_bytes=TELEGRAM_MAX_ANSWER_BYTES,
    )  # fmt: skip
    try:
        with guarded as http:
            response = http.post(api, json={"chat_id": prefs.telegram_chat_id, "text": text})
        answer = response.json() if response.status_code == 200 else {}
    except (egress.RequestFailed, ValueError) as exc:  # ValueError: the answer is not JSON
        raise DeliveryFailed(f"telegram: {type(exc).__name__}") from exc
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise DeliveryFailed(f"telegram answered {response.status_code}")


def _send_push(user: User, title: str, body: str, url: str, event: str = "", *,
               key: str = "") -> None:  # fmt: skip
    from cabinet.notifications.push import PushFailed, push_send

    try:
        push_send(user=user, title=title, body=body, url=url, key=key)
    except PushFailed as exc:
        raise DeliveryFailed(str(exc)) from exc


def _sms_possible(user: User) -> bool:
    from cabinet.notifications.sms import phone_of, provider

    return provider() is not None and phone_of(user) is not None


def _send_sms(user: User, title: str, body: str, url: str, event: str = "", *,
              key: str = "") -> None:  # fmt: skip
    from cabinet.notifications.sms import SmsFailed, sms_send

    text = f"{connection.tenant.name}: {title}\n{body}".strip()
    try:
        sms_send(user=user, text=text)
    except SmsFailed as exc:
        raise DeliveryFailed(str(exc)) from exc


SENDERS = {
    Channel.EMAIL: _send_email,
    Channel.TELEGRAM: _send_telegram,
    Channel.PUSH: _send_push,
    Channel.SMS: _send_sms,
}


# -- Sending: pending → sending (claimed, with a lease) → sent ----------------------------------
# The claim commits before the message leaves, so a worker killed during the call leaves a row
# in `sending` behind, not a `pending` one that looks untouched. The task redelivered to another
# worker finds it: while the lease runs, the first attempt may be alive (a slow server), and the
# task waits for the lease to end; after it, that attempt died somewhere between the claim and
# the commit that marks the row sent, and nobody can tell whether the message left. It goes out
# again under the same `message_key`: the e-mail with the same Message-ID (receiving systems keep
# one copy of a Message-ID), the web push with the same Topic and tag (the push service and the
# browser replace, not add). A task never outlives the lease (its time limit is shorter), so a
# live attempt is never taken for a dead one.

SENDING_LEASE = dt.timedelta(seconds=30)
MAX_ATTEMPTS = 6  # the first and five retries, then the delivery is failed
# kept untranslated on the row (like the channels' own errors); the client card translates it
INTERRUPTED = gettext_noop(
    "An earlier attempt was interrupted: sent again under the same message id"
)


class LeaseHeld(Exception):
    """Another attempt at this delivery may still be under way; try again in `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"an attempt is under way for {seconds} s more")
        self.seconds = seconds


SINGLE, DIGEST = "n", "g"  # the first letter of a message key: one delivery's, or a digest's


def message_key(kind: str, rows: str) -> str:
    """The identity of one message (`kind` SINGLE or DIGEST; `rows`: its row's id, or the ids of
    its digest's rows): from the cabinet (in the key's salt) and the rows, never from the
    attempt; opaque, so it tells a mail server nothing about our ids; 32 characters of [0-9a-z],
    a valid push Topic."""
    return kind + signing.digest("cabinet.message", f"{kind}:{rows}")[:31]


def _pk(delivery: Delivery) -> int:
    return delivery.pk


def message_id(key: str) -> str:
    return f"<{key}@{settings.PLATFORM_DOMAIN}>"


def _lease_left(rows: list[Delivery], now: dt.datetime) -> int:
    """Seconds until the latest lease among `rows` in `sending` ends (0: none is running)."""
    sending = [d.lease_until for d in rows if d.status == Delivery.Status.SENDING]
    running = [end for end in sending if end and end > now]
    return max((math.ceil((end - now).total_seconds()) for end in running), default=0)


def _claim(rows: list[Delivery], key: str, now: dt.datetime) -> bool:
    """Mark `rows` sending under `key` (in the caller's transaction); whether a previous attempt
    on them was interrupted."""
    interrupted = any(d.status == Delivery.Status.SENDING for d in rows)
    logged = {"last_error": INTERRUPTED} if interrupted else {}
    Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
        status=Delivery.Status.SENDING, lease_until=now + SENDING_LEASE, message_key=key,
        attempts=F("attempts") + 1, **logged,
    )  # fmt: skip
    if interrupted:
        logger.warning("delivery %s sent again after an interrupted attempt", key)
    return interrupted


def _settle(pks: list[int], key: str, error: str, *, after: str, again: bool) -> int:
    """The attempt's outcome on the rows it claimed (not on rows another attempt has claimed
    since); the most attempts among them. `again`: this attempt followed an interrupted one,
    which stays noted on a row that is sent."""
    with transaction.atomic():
        mine = Delivery.objects.filter(pk__in=pks, status=Delivery.Status.SENDING,
                                       message_key=key)  # fmt: skip
        if error:
            # a digest that failed is formed again next time, maybe with more rows: a new key
            # then (the same rows make the same key again)
            forget = {"message_key": ""} if after == Delivery.Status.HELD else {}
            mine.update(status=after, lease_until=None, last_error=error, **forget)
        else:
            mine.update(status=Delivery.Status.SENT, lease_until=None, sent_at=timezone.now(),
                        last_error=INTERRUPTED if again else "")  # fmt: skip
        return max(Delivery.objects.filter(pk__in=pks).values_list("attempts", flat=True),
                   default=0)  # fmt: skip


def _send(channel: str, user: User, title: str, body: str, url: str, event: str,
          key: str) -> str:  # fmt: skip
    """The error of one attempt, "" when the channel took the message. Only a channel's errors
    are caught: anything else (a kill, a time limit) leaves the claim for the lease to end."""
    try:
        SENDERS[channel](user, title, body, url, event, key=key)
    except Exception as exc:  # any channel error: the attempt is logged, the task retries
        return f"{type(exc).__name__}: {exc}"[:300]
    return ""


def delivery_run(*, delivery_id: int) -> str:
    """Send one delivery unless it is sent (or failed, or waiting for a digest); "skipped" then.
    Raises LeaseHeld while another attempt may be sending it, DeliveryFailed when the channel
    failed (the row back to pending, the error logged)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (Delivery.Status.PENDING,
                                                       Delivery.Status.SENDING):  # fmt: skip
            return "skipped"
        if left := _lease_left([delivery], now):
            raise LeaseHeld(left)
        key = delivery.message_key or message_key(SINGLE, str(delivery.pk))
        again = _claim([delivery], key, now)
    note = delivery.notification
    error = _send(delivery.channel, note.user, note.title, note.body, note.url, note.event, key)
    attempts = _settle([delivery.pk], key, error, after=Delivery.Status.PENDING, again=again)
    if error:
        raise DeliveryFailed(error, attempts=attempts)
    return "sent"


def delivery_give_up(*, delivery_id: int) -> None:
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED
    )


def digest_run(*, user_id: int, channel: str) -> str:
    """Send everything held for this person on this channel as one message, and mark each held
    delivery sent (a redelivered task finds nothing left). A digest whose attempt was
    interrupted goes out again with the same rows and the same message id, before any new one."""
    now = timezone.now()
    with transaction.atomic():
        mine = (
            Delivery.objects.select_for_update(of=("self",))
            .filter(notification__user=user_id, channel=channel)
            .select_related("notification__user")
            .order_by("notification__created_at", "pk")
        )
        # a digest's rows carry its key; a single delivery in `sending` is its own task's
        interrupted = list(mine.filter(status=Delivery.Status.SENDING,
                                       message_key__startswith=DIGEST))  # fmt: skip
        if interrupted:
            if left := _lease_left(interrupted, now):
                raise LeaseHeld(left)
            key = interrupted[0].message_key
            held = [d for d in interrupted if d.message_key == key]
        else:
            held = list(mine.filter(status=Delivery.Status.HELD))
            if not held:
                return "skipped"
            key = message_key(DIGEST, ",".join(str(d.pk) for d in sorted(held, key=_pk)))
        again = _claim(held, key, now)
    user = held[0].notification.user
    with in_language_of(user):
        title = ngettext("%(count)d update", "%(count)d updates", len(held)) % {"count": len(held)}
    body = "\n".join(f"• {d.notification.title}" for d in held)
    error = _send(channel, user, title, body, _absolute("/notifications/"), "", key)
    attempts = _settle([d.pk for d in held], key, error, after=Delivery.Status.HELD, again=again)
    if error:
        raise DeliveryFailed(error, attempts=attempts)
    return "sent"


def digest_give_up(*, user_id: int, channel: str) -> None:
    """Out of retries: the held deliveries are failed (and logged so), and the next burst starts
    a digest of its own."""
    Delivery.objects.filter(
        notification__user=user_id, channel=channel, status=Delivery.Status.HELD
    ).update(status=Delivery.Status.FAILED)


def _absolute(url: str) -> str:
    """A cabinet path as a link that works from a mail client."""
    return tenant_link(connection.tenant, url) if url.startswith("/") else url


# -- Linking a Telegram chat -----------------------------------------------------------------
# A chat id counts only once a code sent to it comes back: until then it waits in the cache
# (with the code's hash and the tries left) and `telegram_chat_id` keeps the chat linked before,
# if any. A few codes an hour per person, so nobody makes the bot write to strangers' chats.

TELEGRAM_CODE_TTL = 600
TELEGRAM_CODE_TRIES = 5
TELEGRAM_CODES_PER_HOUR = 3


class TelegramLinkRefused(Exception):
    """Why a chat cannot be linked now, in the person's words."""


def _pending_key(user: User) -> str:
    return f"telegram-link:{user.pk}"


def _code_hash(user: User, code: str) -> str:
    # keyed and bound to this cabinet (tenants.signing), so the cache never holds a guessable hash
    return signing.digest("cabinet.telegram-link", f"{user.pk}:{code}")


def telegram_link_pending(user: User) -> str | None:
    """The chat id waiting for its code, if any."""
    pending = cache.get(_pending_key(user))
    return pending["chat_id"] if pending else None


def telegram_link_start(*, user: User, chat_id: str) -> None:
    """Send a code to `chat_id` (by a task, after commit); the chat counts once it comes back."""
    if not settings.TELEGRAM_BOT_TOKEN:
        raise TelegramLinkRefused(_("Telegram is not available in this cabinet."))
    sent_key = f"telegram-link-sent:{user.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(sent_key, 0, 3700)
    if cache.incr(sent_key) > TELEGRAM_CODES_PER_HOUR:
        raise TelegramLinkRefused(_("Too many codes this hour. Please try again later."))
    code = signing.code_mint(string.digits, 6)
    pending = {"chat_id": chat_id, "hash": _code_hash(user, code), "tries": TELEGRAM_CODE_TRIES}
    cache.set(_pending_key(user), pending, TELEGRAM_CODE_TTL)
    send_telegram_link_code = task_named("cabinet.send_telegram_link_code")

    enqueue_on_commit(send_telegram_link_code, user.pk, chat_id, code)


def telegram_link_confirm(*, user: User, code: str) -> str:
    """Link the waiting chat when `code` is the one sent to it; returns its id. Raises
    TelegramLinkRefused for a wrong code (the last of the tries forgets the chat)."""
    key = _pending_key(user)
    pending = cache.get(key)
    if not pending:
        raise TelegramLinkRefused(_("No code is waiting: enter your chat id and save first."))
    if not signing.same(pending["hash"], _code_hash(user, code.strip()[:12])):
        pending["tries"] -= 1
        if pending["tries"] <= 0:
            cache.delete(key)
            raise TelegramLinkRefused(_("Wrong code, and no tries are left: ask for a new one."))
        cache.set(key, pending, TELEGRAM_CODE_TTL)
        raise TelegramLinkRefused(_("Wrong code. Check the message in Telegram."))
    cache.delete(key)
    NotificationSettings.objects.update_or_create(
        user=user, defaults={"telegram_chat_id": pending["chat_id"]}
    )
    return pending["chat_id"]


def telegram_unlink(*, user: User) -> None:
    cache.delete(_pending_key(user))
    NotificationSettings.objects.filter(user=user).update(telegram_chat_id="")


def telegram_link_code_send(*, user_id: int, chat_id: str, code: str) -> None:
    """The code, to the chat being linked, by the same transport as every Telegram delivery."""
    user = User.objects.get(pk=user_id)
    with in_language_of(user):
        title = _("Your code to link this chat: %(code)s") % {"code": code}
        body = _("Type it on the notification settings page. Did not ask for it? Ignore this.")
    _send_telegram(user, title, body, "",
                   prefs=NotificationSettings(user=user, telegram_chat_id=chat_id))  # fmt: skip
