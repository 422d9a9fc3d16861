"""A document (receipt, invoice, voucher) opened by its signed, expiring link."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cabinet.documents.services import document_for


@require_GET
@login_required
def document_download(request: HttpRequest, token: str) -> HttpResponse:
    document = document_for(token, user=request.user)
    if document is None:
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True,
                        filename=document.file.name.rsplit("/", 1)[-1])  # fmt: skip
