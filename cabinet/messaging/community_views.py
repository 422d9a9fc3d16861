"""The community's pages for clients (/community/…) and for staff who moderate it
(/staff/community/…). Everything answers 404 while the owner has not switched it on."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.messaging import community
from cabinet.messaging.models import CommunityBan, CommunityReply, CommunityTopic
from cabinet.rendering import render_cabinet
from rbac.models import User

View = Callable[..., HttpResponse]


def board_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not community.board_open():
            raise Http404("the community is off")
        return view(request, *args, **kwargs)

    return wrapped


def _client_only(request: HttpRequest) -> None:
    if request.user.is_staff:
        raise PermissionDenied("staff moderate the community from the back office")


@require_http_methods(["GET", "POST"])
@login_required
@board_required
def board(request: HttpRequest) -> HttpResponse:
    _client_only(request)
    status = 200
    if request.method == "POST":
        try:
            topic = community.topic_start(author=request.user, title=request.POST.get("title", ""),
                                          body=request.POST.get("body", ""))  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            return HttpResponseRedirect(reverse("cabinet:community-topic", args=[topic.pk]))
    page = Paginator(community.topics_visible(), 20).get_page(request.GET.get("page"))
    context = {
        "page": page, "banned": community.is_banned(request.user),
        "dm_open": community.direct_messages_open(),
        "accepts_direct": community.accepts_direct(request.user),
        "draft_title": request.POST.get("title", "")[:120],
        "draft_body": request.POST.get("body", "")[:4000],
    }  # fmt: skip
    return render_cabinet(request, "cabinet/community.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@board_required
def topic(request: HttpRequest, pk: int) -> HttpResponse:
    _client_only(request)
    found = community.topic_visible(pk)
    if found is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            reply = community.reply_post(topic=found, author=request.user,
                                         body=request.POST.get("body", ""))  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            url = reverse("cabinet:community-topic", args=[found.pk])
            return HttpResponseRedirect(f"{url}#reply-{reply.pk}")
    replies = Paginator(community.replies_visible(found), 50).get_page(request.GET.get("page"))
    authors = {found.author_id, *(reply.author_id for reply in replies)} - {None}
    context = {
        "accepting": community.accepting_direct(authors) if community.direct_messages_open()
        else set(),
        "topic": found, "replies": replies, "banned": community.is_banned(request.user),
        "dm_open": community.direct_messages_open(), "short_name": community.short_name,
        "draft": request.POST.get("body", "")[:2000],
    }  # fmt: skip
    return render_cabinet(request, "cabinet/community_topic.html", context, status=status)


@require_POST
@login_required
@board_required
def direct_preference(request: HttpRequest) -> HttpResponse:
    _client_only(request)
    community.direct_set_accepting(user=request.user, accepts=request.POST.get("accepts") == "1")
    messages.success(request, _("Saved."))
    return HttpResponseRedirect(reverse("cabinet:community"))


def _dm_open() -> None:
    if not community.direct_messages_open():
        raise Http404("direct messages are off")


@require_GET
@login_required
@board_required
def conversations(request: HttpRequest) -> HttpResponse:
    _client_only(request)
    _dm_open()
    rows = [
        (c, c.second if c.first_id == request.user.pk else c.first)
        for c in community.conversations_of(request.user)[:100]
    ]
    context = {"rows": rows, "short_name": community.short_name}
    return render_cabinet(request, "cabinet/community_messages.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@board_required
def conversation(request: HttpRequest, user_pk: int) -> HttpResponse:
    """With one other client: only if both agreed (or they already wrote to each other)."""
    _client_only(request)
    _dm_open()
    other = User.objects.filter(pk=user_pk, is_staff=False, is_active=True).first()
    if other is None or other.pk == request.user.pk:
        raise Http404
    existing = community.conversation_between(request.user, other)
    allowed = community.direct_allowed(request.user, other)
    if existing is None and not allowed:
        raise Http404  # the same answer whether the person exists or does not accept messages
    status = 200
    if request.method == "POST":
        try:
            community.direct_send(sender=request.user, recipient=other,
                                  body=request.POST.get("body", ""))  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            return HttpResponseRedirect(request.path)
        existing = community.conversation_between(request.user, other)
    items = list(existing.messages.select_related("author")) if existing else []
    if existing:
        community.direct_read(conversation=existing, reader=request.user)
    context = {"other": other, "items": items, "allowed": allowed,
               "short_name": community.short_name}  # fmt: skip
    return render_cabinet(request, "cabinet/community_conversation.html", context, status=status)


# --- Staff: moderation --------------------------------------------------------------------------


def _moderator(request: HttpRequest) -> None:
    if not community.can_moderate(request.user):
        raise PermissionDenied("cannot moderate the community")


@require_GET
@staff_required
@board_required
def staff_board(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    topics = CommunityTopic.objects.select_related("author")
    page = Paginator(topics, 30).get_page(request.GET.get("page"))
    return render_cabinet(request, "staff/community.html", {"page": page})


@require_GET
@staff_required
@board_required
def staff_topic(request: HttpRequest, pk: int) -> HttpResponse:
    _moderator(request)
    found = CommunityTopic.objects.select_related("author").filter(pk=pk).first()
    if found is None:
        raise Http404
    replies = found.replies.select_related("author")
    banned = set(
        CommunityBan.objects.filter(
            user_id__in={found.author_id, *(r.author_id for r in replies)}
        ).values_list("user_id", flat=True)
    )
    context = {"topic": found, "replies": replies, "banned": banned}
    return render_cabinet(request, "staff/community_topic.html", context)


@require_POST
@staff_required
@board_required
def staff_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """One moderation action on a topic, a reply of it, or its author."""
    _moderator(request)
    found = CommunityTopic.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    action, reason = request.POST.get("action", "")[:16], request.POST.get("reason", "")
    try:
        if action in ("hide", "show", "lock", "unlock"):
            community.topic_moderate(topic=found, by=request.user, action=action, reason=reason)
        elif action in ("hide_reply", "show_reply"):
            reply = CommunityReply.objects.filter(
                topic=found, pk=_int(request.POST.get("reply"))
            ).first()
            if reply is None:
                raise Http404
            community.reply_moderate(reply=reply, by=request.user,
                                     hidden=action == "hide_reply", reason=reason)  # fmt: skip
        elif action in ("ban", "unban"):
            user = User.objects.filter(pk=_int(request.POST.get("user")), is_staff=False).first()
            if user is None:
                raise Http404
            if action == "ban":
                community.author_ban(user=user, by=request.user, reason=reason)
            else:
                community.author_unban(user=user, by=request.user)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return HttpResponseRedirect(reverse("staff:community-topic", args=[found.pk]))


def _int(raw: object) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        return 0
    return value if 0 < value < 2**63 else 0
