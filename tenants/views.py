from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.static import serve


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public/landing.html")


@require_GET
def tenant_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve a public file (a logo) from the requesting host's own media folder only: the same
    path on another tenant's host looks in that tenant's folder and finds nothing."""
    try:
        return serve(request, path, document_root=default_storage.location)
    except SuspiciousFileOperation as exc:
        raise Http404 from exc
