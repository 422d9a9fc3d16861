from collections.abc import Callable
from datetime import datetime

from django.contrib.auth import logout
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import usage
from cabinet.accounts.models import ClientProfile
from cabinet.rendering import render_cabinet
from rbac.audit import IMPERSONATION_SESSION_KEY, audit_record

# What an impersonating platform admin may not do: anything that leaves a credential behind
# once the 30 minutes are over. Writes (any method but GET/HEAD/OPTIONS) to these paths...
CREDENTIAL_PATHS = frozenset(
    {
        "/staff/api-keys/",  # a new API key
        "/staff/webhooks/",  # a new webhook (with its signing secret)
        "/staff/sign-in/",  # a new sign-in provider
        "/staff/team/invite/",  # an invitation: a new staff account
        "/api/v1/auth/token/",  # a DRF token
    }
)
# ...and under these: passwords, email addresses, phones, two-factor, passkeys, recovery
# codes, linked logins and sessions (allauth's account pages) — except signing out.
CREDENTIAL_PREFIXES = ("/accounts/",)
CREDENTIAL_ALLOWED = frozenset({"/accounts/logout/"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def makes_lasting_credential(request: HttpRequest) -> bool:
    path = request.path_info
    if request.method in SAFE_METHODS or path in CREDENTIAL_ALLOWED:
        return False
    return path in CREDENTIAL_PATHS or path.startswith(CREDENTIAL_PREFIXES)


def impersonation_refusal(request: HttpRequest) -> HttpResponse:
    message = _(
        "While a platform admin works in this cabinet as its owner, nothing that outlasts the "
        "visit can be made: no API keys, webhooks, sign-in providers, invitations, API tokens, "
        "passwords, passkeys or two-factor changes. Exit, and let the owner do it."
    )
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    return render_cabinet(request, "staff/impersonation_refused.html", {"message": message},
                          status=403)  # fmt: skip


class ImpersonationMiddleware:
    """While a platform admin is inside this cabinet as its owner, every page shows it (with the
    time left and a way out); nothing that outlasts the visit can be made (see
    CREDENTIAL_PATHS); after 30 minutes the session ends by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.impersonation = None  # type: ignore[attr-defined]
        session = getattr(request, "session", None)
        data = session.get(IMPERSONATION_SESSION_KEY) if session is not None else None
        if data:
            if timezone.now() >= datetime.fromisoformat(data["expires_at"]):
                audit_record(
                    action="impersonation.expired",
                    reason=data.get("reason", ""),
                    actor_label=f"platform: {data.get('by', '')}",
                    request=request,
                )
                logout(request)
            else:
                expires = datetime.fromisoformat(data["expires_at"])
                request.impersonation = {**data, "expires": expires}  # type: ignore[attr-defined]
                if makes_lasting_credential(request):
                    audit_record(
                        action="impersonation.refused",
                        reason=f"{request.method} {request.path_info}"[:200],
                        actor_label=f"platform: {data.get('by', '')}",
                        request=request,
                    )
                    return impersonation_refusal(request)
        return self.get_response(request)


ACTIVITY_RESOLUTION_SECONDS = 3600


class ClientActivityMiddleware:
    """A client's last activity (which staff see, and which hides long-inactive clients) and the
    month's active clients (reported to billing once per client and month). One cache operation
    per request; at most one write an hour per client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        if (
            user is not None and user.is_authenticated and not user.is_staff
            and tenant is not None and not tenant.is_public
            and getattr(request, "impersonation", None) is None
            and response.status_code < 400
        ):  # fmt: skip
            client_activity_touch(user)
        return response


def client_activity_touch(user: object) -> None:
    if not cache.add(f"cabinet:active:{user.pk}", 1, ACTIVITY_RESOLUTION_SECONDS):
        return
    now = timezone.now()
    with transaction.atomic():
        touched = ClientProfile.objects.filter(user=user).update(last_activity_at=now)
        if touched:
            usage.record("active_clients", 1, idempotency_key=f"active:{user.pk}:{now:%Y-%m}")
