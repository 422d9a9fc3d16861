from collections.abc import Callable
from datetime import datetime

from django.contrib.auth import logout
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing import usage
from cabinet.models import ClientProfile
from rbac.audit import IMPERSONATION_SESSION_KEY, audit_record


class ImpersonationMiddleware:
    """While a platform admin is inside this cabinet as its owner, every page shows it; after
    30 minutes the session ends by itself."""

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
                request.impersonation = data  # type: ignore[attr-defined]
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
