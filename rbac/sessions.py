"""Browser sessions: a new key when a person proves who they are again, and ending sessions —
one, a person's others, all of one person's (an administrator's action), or every session of the
cabinet. Sessions are Django's database sessions in the cabinet's own schema (django-tenants'
TENANT_APPS hold `django.contrib.sessions`, allauth's `usersessions` and DRF's tokens), so every
function here reaches only the connection's current cabinet: the same user id in another cabinet
is another row in another table."""

import time

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rbac.audit import audit_record
from rbac.models import User

# Set in the session after a second factor was added or removed: the account pages offer to end
# the person's other sessions (rbac.context_processors, usersessions/_offer.html).
# A new password needs no offer: it ends the other sessions itself (password_sessions_end).
OFFER_KEY = "kabinet_offer_sessions_end"
OFFER_REASONS = ("second_factor",)
OFFER_SECONDS = 600


def session_key_renew(request: HttpRequest) -> None:
    """A new session key for the same session (ASVS 7.2.4), the old one deleted at once; the
    sessions list follows the session to its new key."""
    session = request.session
    old = session.session_key
    session.cycle_key()
    if old:
        UserSession.objects.filter(session_key=old).update(session_key=session.session_key)


def sessions_offer(request: HttpRequest, *, reason: str) -> None:
    """Offer the signed-in person to end their other sessions, on the next page they see: they
    have just proved who they are (changing a second factor needs a recent re-authentication),
    so for OFFER_SECONDS accepting needs no further proof."""
    if request.user.is_authenticated and reason in OFFER_REASONS:
        request.session[OFFER_KEY] = {"reason": reason, "at": time.time()}


def sessions_offer_pending(request: HttpRequest) -> str | None:
    """Why the person is offered to end their other sessions now, if they are."""
    session = getattr(request, "session", None)
    offer = session.get(OFFER_KEY) if session is not None else None
    if not isinstance(offer, dict) or offer.get("reason") not in OFFER_REASONS:
        return None
    if time.time() - float(offer.get("at") or 0) > OFFER_SECONDS:
        return None
    return offer["reason"]


def sessions_offer_dismiss(request: HttpRequest) -> None:
    request.session.pop(OFFER_KEY, None)


def session_end_one(*, request: HttpRequest, session: UserSession) -> None:
    """End one of the person's own sessions (not their API tokens: those are not a device)."""
    audit_record(action="session.ended", target=request.user, request=request,
                 changes={"device": session.user_agent[:200], "ip": session.ip})  # fmt: skip
    session.end()


def _keys_of(user: User) -> list[str]:
    """Every live session key of `user` in this cabinet: allauth's tracked ones, and those it does
    not know (a session made by django's own login() and not used since) — only the untracked
    rows are decoded (about 0.1 ms each), never the whole table."""
    tracked = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    untracked = Session.objects.filter(expire_date__gt=timezone.now()).exclude(
        session_key__in=UserSession.objects.values("session_key")
    )
    stale = [
        s.session_key
        for s in untracked.iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    return tracked + stale


def user_sessions_delete(*, user: User, keep: str | None = None) -> int:
    """Delete every session of `user` in this cabinet but `keep` (a session key); the number
    ended. Their API tokens are the caller's to end."""
    keys = [key for key in _keys_of(user) if key != keep]
    ended = Session.objects.filter(session_key__in=keys).delete()[0]
    UserSession.objects.filter(session_key__in=keys).delete()
    return ended


def password_sessions_end(*, user: User, request: HttpRequest, reason: str) -> int:
    """After a new password: Django already refuses every other session of the person (their
    session hash no longer matches); delete their rows too, so the sessions list is true at
    once, and say so. The browser that changed it stays signed in; a reset keeps none."""
    keep = request.session.session_key if request.user == user else None
    ended = user_sessions_delete(user=user, keep=keep)
    audit_record(action="sessions.ended", actor=user, target=user, reason=reason,
                 changes={"sessions": ended}, request=request)  # fmt: skip
    return ended


def user_sessions_end(*, user: User, by: User, request: HttpRequest | None = None) -> int:
    """An administrator signs `user` out on every device, API tokens included, without
    deactivating them: they can sign in again. Audited."""
    with transaction.atomic():
        keep = request.session.session_key if request is not None and user == by else None
        ended = user_sessions_delete(user=user, keep=keep)
        tokens = Token.objects.filter(user=user).delete()[0]
        audit_record(action="sessions.ended", actor=by, target=user, request=request,
                     changes={"sessions": ended, "tokens": tokens})  # fmt: skip
    return ended


def cabinet_sessions_end(
    *,
    by: User | None = None,
    actor_label: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Sign everyone out of this cabinet (its schema's sessions and API tokens), except the
    session of the person asking when they ask from inside it. Audited."""
    keep = request.session.session_key if request is not None and by is not None else None
    with transaction.atomic():
        sessions = Session.objects.exclude(session_key=keep or "")
        ended = sessions.delete()[0]
        UserSession.objects.exclude(session_key=keep or "").delete()
        tokens = Token.objects.all().delete()[0]
        audit_record(action="sessions.ended_all", actor=by, actor_label=actor_label,
                     reason=reason, request=request,
                     changes={"sessions": ended, "tokens": tokens})  # fmt: skip
    return ended
