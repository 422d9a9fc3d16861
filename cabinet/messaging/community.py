"""The community board (where the owner switches it on): clients start topics and reply to each
other; staff hide posts, lock topics and ban authors. And, where the owner allows it, direct
messages between two clients who have both agreed to receive them. Clients see each other by a
short name only ("Maria L."), never an email or phone."""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.models import (
    CommunityBan,
    CommunityReply,
    CommunityTopic,
    DirectConversation,
    DirectMessage,
)
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from rbac.audit import audit_record
from rbac.models import User
from rbac.policy import policy_get

POSTS_PER_HOUR = 20  # topics, replies and direct messages together, per client


class CommunityClosed(Exception):
    """The owner has not switched this on."""


def short_name(user: User | None) -> str:
    if user is None:
        return _("former member")
    parts = (user.full_name or "").split()
    if not parts:
        return _("A client")
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else parts[0]


def board_open() -> bool:
    return policy_get().community_enabled


def direct_messages_open() -> bool:
    policy = policy_get()
    return policy.community_enabled and policy.community_direct_messages


def _require_board() -> None:
    if not board_open():
        raise CommunityClosed


def is_banned(user: User) -> bool:
    return CommunityBan.objects.filter(user=user).exists()


def _may_post(user: User) -> None:
    if user.is_staff:
        raise PermissionDenied("the community is for clients; staff moderate it")
    if is_banned(user):
        raise ValidationError(_("You can no longer post in the community."), code="banned")
    key = f"community-posts:{user.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 3700)
    if cache.incr(key) > POSTS_PER_HOUR:
        raise ValidationError(_("That is a lot of posts for one hour; try again later."),
                              code="rate")  # fmt: skip


def _clean(text: str, *, limit: int, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something first."), code="empty")
    if len(text) > limit:
        raise ValidationError(
            _("%(what)s has at most %(limit)d characters.") % {"what": what, "limit": limit},
            code="too_long",
        )
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ValidationError(_("Remove the control characters."), code="control")
    return text


# --- Topics and replies -------------------------------------------------------------------------


def topics_visible() -> QuerySet[CommunityTopic]:
    _require_board()
    return CommunityTopic.objects.filter(is_hidden=False).select_related("author")


def topic_visible(pk: object) -> CommunityTopic | None:
    try:
        return topics_visible().filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def replies_visible(topic: CommunityTopic) -> QuerySet[CommunityReply]:
    return topic.replies.filter(is_hidden=False).select_related("author")


@transaction.atomic
def topic_start(*, author: User, title: str, body: str) -> CommunityTopic:
    _require_board()
    _may_post(author)
    topic = CommunityTopic.objects.create(
        author=author,
        title=_clean(title, limit=120, what=_("A title")).replace("\n", " "),
        body=_clean(body, limit=4000, what=_("A topic")),
    )
    audit_record(action="community.topic_started", actor=author, target=topic)
    return topic


@transaction.atomic
def reply_post(*, topic: CommunityTopic, author: User, body: str) -> CommunityReply:
    _require_board()
    _may_post(author)
    locked = CommunityTopic.objects.select_for_update().get(pk=topic.pk)
    if locked.is_hidden:
        raise ValidationError(_("This topic is no longer here."), code="hidden")
    if locked.is_locked:
        raise ValidationError(_("This topic is closed to new replies."), code="locked")
    reply = CommunityReply.objects.create(
        topic=locked, author=author, body=_clean(body, limit=2000, what=_("A reply"))
    )
    CommunityTopic.objects.filter(pk=locked.pk).update(
        reply_count=F("reply_count") + 1, last_activity_at=reply.created_at
    )
    if locked.author_id and locked.author_id != author.pk:
        with in_language_of(locked.author):
            title = _("%(name)s replied to “%(title)s”") % {
                "name": short_name(author), "title": locked.title,
            }  # fmt: skip
        notify(
            recipient=locked.author, event=NotificationEvent.CHAT_ANSWER, title=title,
            body=reply.body[:200], url=f"/community/{locked.pk}/#reply-{reply.pk}",
            key=f"community-reply:{reply.pk}",
        )  # fmt: skip
    return reply


# --- Moderation ---------------------------------------------------------------------------------


def can_moderate(user: User) -> bool:
    return user.is_staff and (user.is_superuser or user.has_perm("cabinet.moderate_community"))


def _moderator(user: User) -> None:
    if not can_moderate(user):
        raise PermissionDenied("cannot moderate the community")


@transaction.atomic
def topic_moderate(*, topic: CommunityTopic, by: User, action: str, reason: str = "") -> None:
    """hide, show, lock or unlock a topic; audited with the reason."""
    _moderator(by)
    changes = {
        "hide": {"is_hidden": True}, "show": {"is_hidden": False},
        "lock": {"is_locked": True}, "unlock": {"is_locked": False},
    }  # fmt: skip
    if action not in changes:
        raise ValidationError(_("Unknown action."), code="action")
    CommunityTopic.objects.filter(pk=topic.pk).update(**changes[action])
    audit_record(action=f"community.topic_{action}", actor=by, target=topic,
                 reason=reason[:200])  # fmt: skip


@transaction.atomic
def reply_moderate(*, reply: CommunityReply, by: User, hidden: bool, reason: str = "") -> None:
    _moderator(by)
    if reply.is_hidden != hidden:
        CommunityReply.objects.filter(pk=reply.pk).update(is_hidden=hidden)
        delta = -1 if hidden else 1
        CommunityTopic.objects.filter(pk=reply.topic_id).update(
            reply_count=F("reply_count") + delta
        )
    audit_record(action="community.reply_" + ("hidden" if hidden else "shown"), actor=by,
                 target=reply, reason=reason[:200])  # fmt: skip


@transaction.atomic
def author_ban(*, user: User, by: User, reason: str) -> CommunityBan:
    _moderator(by)
    reason = " ".join((reason or "").split())[:200]
    if len(reason) < 3:
        raise ValidationError(_("Say why, in a few words (it is recorded)."), code="reason")
    if user.is_staff:
        raise ValidationError(_("Staff cannot be banned from the community."), code="staff")
    ban, _created = CommunityBan.objects.get_or_create(
        user=user, defaults={"by": by, "reason": reason}
    )
    audit_record(action="community.banned", actor=by, target=user, reason=reason)
    return ban


@transaction.atomic
def author_unban(*, user: User, by: User) -> None:
    _moderator(by)
    if CommunityBan.objects.filter(user=user).delete()[0]:
        audit_record(action="community.unbanned", actor=by, target=user)


# --- Direct messages between clients ------------------------------------------------------------


def accepts_direct(user: User) -> bool:
    profile = ClientProfile.objects.filter(user=user).only("accepts_direct_messages").first()
    return profile is not None and profile.accepts_direct_messages


def accepting_direct(user_ids: set[int]) -> set[int]:
    """Of these people, the ones who take direct messages (one query)."""
    return set(
        ClientProfile.objects.filter(user_id__in=user_ids, accepts_direct_messages=True)
        .exclude(user__community_ban__isnull=False)
        .values_list("user_id", flat=True)
    )


def direct_allowed(sender: User, recipient: User) -> bool:
    """Both clients agreed, neither is banned, the owner allows it, and they are two people."""
    return (
        direct_messages_open()
        and sender.pk != recipient.pk
        and not sender.is_staff
        and not recipient.is_staff
        and recipient.is_active
        and accepting_direct({sender.pk, recipient.pk}) == {sender.pk, recipient.pk}
    )


def direct_set_accepting(*, user: User, accepts: bool) -> None:
    ClientProfile.objects.filter(user=user).update(accepts_direct_messages=accepts)


def conversation_between(a: User, b: User) -> DirectConversation | None:
    first, second = sorted([a.pk, b.pk])
    return DirectConversation.objects.filter(first_id=first, second_id=second).first()


def conversations_of(user: User) -> QuerySet[DirectConversation]:
    return (
        DirectConversation.objects.filter(Q(first=user) | Q(second=user))
        .select_related("first", "second")
        .order_by("-last_message_at")
    )


@transaction.atomic
def direct_send(*, sender: User, recipient: User, body: str) -> DirectMessage:
    if not direct_allowed(sender, recipient):
        raise ValidationError(_("You cannot write to this person."), code="not_allowed")
    _may_post(sender)
    text = _clean(body, limit=2000, what=_("A message"))
    first, second = sorted([sender.pk, recipient.pk])
    conversation, _created = DirectConversation.objects.get_or_create(
        first_id=first, second_id=second
    )
    message = DirectMessage.objects.create(conversation=conversation, author=sender, body=text)
    DirectConversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    with in_language_of(recipient):
        title = _("A message from %(name)s") % {"name": short_name(sender)}
    notify(
        recipient=recipient, event=NotificationEvent.CHAT_ANSWER, title=title,
        body=text[:200], url=f"/community/messages/{sender.pk}/", key=f"direct:{message.pk}",
    )  # fmt: skip
    return message


def direct_read(*, conversation: DirectConversation, reader: User) -> None:
    conversation.messages.filter(read_at__isnull=True).exclude(author=reader).update(
        read_at=timezone.now()
    )
