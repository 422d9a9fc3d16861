"""Chat pages: the client's conversation with the staff, and the staff's side of it."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import clients_for, staff_required
from cabinet.accounts import selectors as accounts_selectors
from cabinet.bookings import selectors as bookings_selectors
from cabinet.content.translations import default_language, tr
from cabinet.messaging.chat import (
    client_threads,
    general_thread,
    message_post,
    messages_after,
    subject_thread,
    thread_close,
    thread_read,
)
from cabinet.messaging.models import CannedAnswer, Message, Thread
from cabinet.orders import selectors as orders_selectors
from cabinet.rendering import render_cabinet
from cabinet.work.intake import canned_answers_for


def _after(request: HttpRequest) -> int:
    try:
        return max(0, min(int(request.GET.get("after", "0")), 2**62))
    except ValueError:
        return 0


def _client_thread(request: HttpRequest, pk: int | None = None) -> Thread:
    """The general thread, or (with `pk`) one of this client's own threads; 404 otherwise."""
    if request.user.is_staff:
        raise PermissionDenied("staff answer in the back office")
    client = accounts_selectors.client_profile_of(request.user)
    if pk is None:
        return general_thread(client)
    thread = Thread.objects.filter(client=client, pk=pk).first()
    if thread is None:
        raise Http404
    return thread


def _urls(thread: Thread, pk: int | None) -> dict[str, str]:
    if pk is None:
        return {"poll_url": reverse("cabinet:chat-poll"), "send_url": reverse("cabinet:chat-send"),
                "back_url": reverse("cabinet:chat")}  # fmt: skip
    return {"poll_url": reverse("cabinet:thread-poll", args=[pk]),
            "send_url": reverse("cabinet:thread-send", args=[pk]),
            "back_url": reverse("cabinet:thread", args=[pk])}  # fmt: skip


def staff_threads(staff: object):
    return Thread.objects.filter(client__in=clients_for(staff).values("pk")).select_related(
        "client__user", "assignee"
    )


def _staff_thread(request: HttpRequest, pk: int) -> Thread:
    thread = staff_threads(request.user).filter(pk=pk).first()
    if thread is None:
        raise Http404
    return thread


def _post(request: HttpRequest, thread: Thread) -> str | None:
    body = request.POST.get("body", "")
    canned = request.POST.get("canned", "")
    if request.user.is_staff and canned and not body.strip():
        answer = CannedAnswer.objects.filter(pk=canned if canned.isdigit() else 0).first()
        # in the client's language when the owner wrote it in theirs (cabinet.content.translations)
        language = thread.client.user.language or default_language()
        body = tr(answer, "body", language) if answer else ""
    try:
        message_post(thread=thread, author=request.user, body=body,
                     upload=request.FILES.get("attachment"))  # fmt: skip
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


# --- Client side -------------------------------------------------------------------------------


@require_GET
@login_required
def client_chat(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    thread = _client_thread(request, pk)
    thread_read(thread=thread, by_staff=False)
    items = list(thread.messages.select_related("author"))
    return render_cabinet(request, "cabinet/chat.html", {
        "thread": thread, "items": items, "last_id": items[-1].pk if items else 0,
        "threads": client_threads(thread.client), **_urls(thread, pk),
    })  # fmt: skip


@require_GET
@login_required
def client_poll(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    thread = _client_thread(request, pk)
    items = list(messages_after(thread, _after(request)))
    if items:
        thread_read(thread=thread, by_staff=False)
    last = items[-1].pk if items else _after(request)
    context = {"items": items, "last_id": last, "poll_url": _urls(thread, pk)["poll_url"]}
    return render_cabinet(request, "cabinet/_chat_poll.html", context)


@require_POST
@login_required
def client_send(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    thread = _client_thread(request, pk)
    problem = _post(request, thread)
    if problem:
        flash.error(request, problem)
    return HttpResponseRedirect(_urls(thread, pk)["back_url"])


def _ask(
    request: HttpRequest, *, order_pk: int | None = None, booking_pk: int | None = None
) -> HttpResponse:
    """The thread about this order or booking of the client's (made on first question)."""
    client = accounts_selectors.client_profile_of(request.user)
    if request.user.is_staff:
        raise Http404
    if order_pk is not None:
        order = orders_selectors.client_order(client, order_pk)
        thread = subject_thread(client, order=order) if order else None
    else:
        booking = bookings_selectors.client_booking(client, booking_pk)
        thread = subject_thread(client, booking=booking) if booking else None
    if thread is None:
        raise Http404
    return HttpResponseRedirect(reverse("cabinet:thread", args=[thread.pk]))


@require_POST
@login_required
def ask_about_order(request: HttpRequest, pk: int) -> HttpResponse:
    return _ask(request, order_pk=pk)


@require_POST
@login_required
def ask_about_booking(request: HttpRequest, pk: int) -> HttpResponse:
    return _ask(request, booking_pk=pk)


@require_GET
@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    message = Message.objects.filter(pk=pk).select_related("thread__client").first()
    if message is None or not message.attachment:
        raise Http404
    if request.user.is_staff:
        visible = staff_threads(request.user).filter(pk=message.thread_id).exists()
    else:
        visible = message.thread.client.user_id == request.user.pk
    if not visible:
        raise Http404
    return FileResponse(message.attachment.open("rb"), filename=message.attachment_name)


# --- Staff side --------------------------------------------------------------------------------


@require_GET
@staff_required
def staff_inbox(request: HttpRequest) -> HttpResponse:
    threads = staff_threads(request.user).order_by("-staff_unread", "-last_message_at")[:100]
    return render_cabinet(request, "staff/chat_list.html", {"threads": threads})


@require_GET
@staff_required
def staff_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _staff_thread(request, pk)
    thread_read(thread=thread, by_staff=True)
    items = list(thread.messages.select_related("author"))
    return render_cabinet(request, "staff/chat_thread.html", {
        "thread": thread, "items": items, "last_id": items[-1].pk if items else 0,
        "canned": canned_answers_for(thread.client),
        "poll_url": reverse("staff:chat-poll", args=[thread.pk]),
    })  # fmt: skip


@require_GET
@staff_required
def staff_poll(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _staff_thread(request, pk)
    items = list(messages_after(thread, _after(request)))
    if items:
        thread_read(thread=thread, by_staff=True)
    last = items[-1].pk if items else _after(request)
    return render_cabinet(request, "cabinet/_chat_poll.html",
                          {"items": items, "last_id": last,
                           "poll_url": reverse("staff:chat-poll", args=[thread.pk])})  # fmt: skip


@require_POST
@staff_required
def staff_reply(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _staff_thread(request, pk)
    if request.POST.get("close"):
        thread_close(thread=thread, by=request.user)
    else:
        problem = _post(request, thread)
        if problem:
            flash.error(request, problem)
    return HttpResponseRedirect(reverse("staff:chat", args=[thread.pk]))
