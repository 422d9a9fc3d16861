import time
from collections.abc import Callable

from allauth.usersessions.internal import usersessionkit
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from rbac.audit import audit_record
from rbac.policy import policy_get

SEEN_KEY = "kabinet_seen_at"
# The last-seen mark is rewritten (a session save) at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 30
LOCKED_KEY = "kabinet_idle_locked"
# When the person signed in: a session ends SESSION_COOKIE_AGE after it however busy it is (the
# cookie's own expiry slides with every save, so it alone is no absolute lifetime).
STARTED_KEY = "kabinet_signed_in_at"
# Reached while the session is locked: the re-authentication itself, signing out, and assets.
IDLE_EXEMPT_PREFIXES = ("/accounts/reauthenticate/", "/accounts/2fa/reauthenticate/",
                        "/accounts/logout/", "/static/", "/health/",
                        "/media/", "/accounts/2fa/authenticate/")  # fmt: skip

Handler = Callable[[HttpRequest], HttpResponse]


def supported_language(code: str | None) -> str | None:
    return code if code in dict(settings.LANGUAGES) else None


class LanguageMiddleware:
    """The person's own choice (remembered on their account, or in a cookie before they sign
    in), else the cabinet's default language."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        language = (
            (supported_language(user.language) if user and user.is_authenticated else None)
            or supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
            or supported_language(getattr(tenant, "default_language", None))
            or settings.LANGUAGE_CODE
        )
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        with translation.override(language):  # and back to what it was after the response
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class UserSessionsMiddleware:
    """django-allauth's session tracking (IP, device, last seen for the sessions list), refreshed
    when the idle clock's last-seen mark is: at most every SEEN_RESOLUTION_SECONDS per session,
    instead of five statements on every request. Sign-in records the session at once (allauth's
    own signal), so the list is complete; only its "last seen" is up to that coarse."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        seen = session.get(SEEN_KEY) if session is not None else None
        if seen is None or time.time() - seen >= SEEN_RESOLUTION_SECONDS:
            usersessionkit.track_activity(
                request, user=getattr(request, "user", None), session=session
            )
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """After the cabinet's idle timeout, the next request asks for the password again and then
    continues where the person was (django-allauth's re-authentication)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        started = session.get(STARTED_KEY)
        if started is None:  # a session from before this rule: its lifetime counts from now
            session[STARTED_KEY] = now
        elif now - started > settings.SESSION_COOKIE_AGE:
            audit_record(action="session.expired", request=request)
            logout(request)
            target = reverse("account_login")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        if not request.path.startswith(IDLE_EXEMPT_PREFIXES):
            seen = session.get(SEEN_KEY)
            limit = policy_get().idle_timeout_minutes * 60
            if session.get(LOCKED_KEY) or (seen is not None and now - seen > limit):
                if not session.get(LOCKED_KEY):
                    session[LOCKED_KEY] = True
                    audit_record(action="session.idle_locked", request=request)
                target = reverse("account_reauthenticate")
                return HttpResponseRedirect(
                    f"{target}?{urlencode({'next': request.get_full_path()})}"
                )
            if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_KEY] = now
        request.idle_timeout_seconds = policy_get().idle_timeout_minutes * 60  # type: ignore[attr-defined]
        return self.get_response(request)


def session_started(request: HttpRequest) -> None:
    """A sign-in starts the session's absolute lifetime."""
    request.session[STARTED_KEY] = time.time()


def idle_unlock(request: HttpRequest) -> None:
    """The person proved who they are again: the session is live from now."""
    request.session.pop(LOCKED_KEY, None)
    request.session[SEEN_KEY] = time.time()


RATE_LIMITED = {"too_many_login_attempts"}  # allauth's lockout: "try again later" is a 429


class FormErrorStatusMiddleware:
    """A form posted with errors is answered 400 (429 when it is a lockout), not 200:
    django-allauth's pages (sign-in, sign-up, password, two-factor) show the form again with its
    messages as a 200, which tells scripts, monitors and browsers' password managers that it
    worked. Our own views say 400 themselves; this covers the views whose answer is a
    TemplateResponse with a `form`."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_template_response(
        self, request: HttpRequest, response: TemplateResponse
    ) -> TemplateResponse:
        form = (response.context_data or {}).get("form")
        invalid = form is not None and bool(getattr(form, "errors", None))
        if request.method == "POST" and response.status_code == 200 and invalid:
            codes = {error.code for errors in form.errors.as_data().values() for error in errors}
            response.status_code = 429 if RATE_LIMITED & codes else 400
        return response
