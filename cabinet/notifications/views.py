"""The person's notifications (in the cabinet) and their choices: which channel for which kind
of event, quiet hours, their Telegram chat (linked once a code sent to it is typed back)."""

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.notifications.models import (
    STAFF_EVENTS,
    Channel,
    Notification,
    NotificationSettings,
    PushSubscription,
    notification_event_choices,
)
from cabinet.notifications.push import public_key, subscription_save
from cabinet.notifications.services import (
    TelegramLinkRefused,
    settings_for,
    telegram_link_confirm,
    telegram_link_pending,
    telegram_link_start,
    telegram_unlink,
)
from cabinet.notifications.sms import provider as sms_provider
from cabinet.rendering import render_cabinet
from cabinet.verticals import notification_events


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=request.user)[:50])
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return render_cabinet(request, "cabinet/notifications.html", {"items": items})


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value[:5]) if value else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    prefs = settings_for(request.user)
    offered_in = {event: vertical for event, (_l, vertical) in notification_events().items()}
    events = [
        (event, label)
        for event, label in notification_event_choices()
        if (request.user.is_staff or event not in STAFF_EVENTS)
        and offered_in.get(event, request.tenant.vertical) == request.tenant.vertical
    ]
    if request.method == "POST":
        chosen = {
            **prefs.channels,  # what this page does not offer stays as it was
            **{
                event: [c for c in Channel.values if request.POST.get(f"{event}:{c}") == "on"]
                for event, _label in events
            },
        }
        chat_id = request.POST.get("telegram_chat_id", "").strip()
        if (chat_id and not chat_id.lstrip("-").isdigit()) or len(chat_id) > 32:
            messages.error(request, _("A Telegram chat id is a number, e.g. 123456789."))
            return HttpResponseRedirect(reverse("notification-settings"))
        NotificationSettings.objects.update_or_create(
            user=request.user,
            defaults={
                "channels": chosen,
                "quiet_from": _time(request.POST.get("quiet_from", "")),
                "quiet_until": _time(request.POST.get("quiet_until", "")),
            },
        )
        if not chat_id and prefs.telegram_chat_id:
            telegram_unlink(user=request.user)
        elif chat_id and chat_id != prefs.telegram_chat_id:
            # The chat counts once the code we send there comes back (telegram_confirm).
            try:
                telegram_link_start(user=request.user, chat_id=chat_id)
            except TelegramLinkRefused as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(reverse("notification-settings"))
            messages.success(request, _("Saved. We sent a code to that Telegram chat: type it "
                                        "below to link the chat."))  # fmt: skip
            return HttpResponseRedirect(reverse("notification-settings") + "#telegram")
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("notification-settings"))
    offered = [(c, label) for c, label in Channel.choices if c != Channel.SMS or sms_provider()]
    grid = [
        (
            event,
            label,
            [(c, c_label, c in prefs.channels_for(event)) for c, c_label in offered],
        )
        for event, label in events
    ]
    context = {
        "grid": grid,
        "prefs": prefs,
        "telegram_pending": telegram_link_pending(request.user),
        "push_key": public_key(),
        "push_devices": request.user.push_subscriptions.count(),
    }
    return render_cabinet(request, "cabinet/notification_settings.html", context)


@require_POST
@login_required
def telegram_confirm(request: HttpRequest) -> HttpResponse:
    """The code sent to the Telegram chat being linked, typed back: then the chat counts."""
    try:
        telegram_link_confirm(user=request.user, code=request.POST.get("code", "")[:20])
    except TelegramLinkRefused as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("notification-settings") + "#telegram")
    messages.success(request, _("Telegram is linked: notifications you chose go there now."))
    return HttpResponseRedirect(reverse("notification-settings"))


@require_POST
@login_required
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """The Push API subscription of this browser, as JSON (push.js sends it)."""
    if len(request.body) > 4096:
        return JsonResponse({"error": _("The browser sent an invalid subscription.")}, status=413)
    try:
        data = json.loads(request.body)
        subscription_save(user=request.user, data=data)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": _("The browser sent an invalid subscription.")}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    return JsonResponse({"ok": True}, status=201)


@require_POST
@login_required
def push_forget(request: HttpRequest) -> HttpResponse:
    """Stop push on every device of this person."""
    PushSubscription.objects.filter(user=request.user).delete()
    messages.success(request, _("Push is off on all your devices."))
    return HttpResponseRedirect(reverse("notification-settings"))
