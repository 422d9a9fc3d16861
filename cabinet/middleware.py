from collections.abc import Callable
from datetime import datetime

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

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
