from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cabinet.branding.selectors import branding_get


def render_cabinet(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, object] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render a page of the tenant's cabinet with its branding in the context."""
    return render(
        request, template_name, {"branding": branding_get(), **(context or {})}, status=status
    )
