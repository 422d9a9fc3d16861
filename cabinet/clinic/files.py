"""A visit document's file, served by the cabinet itself to the one person a view allowed."""

from django.http import FileResponse, HttpRequest

from cabinet.clinic.models import VisitDocument
from cabinet.clinic.services import document_opened


def serve_document(document: VisitDocument, request: HttpRequest) -> FileResponse:
    """The file itself, to this person only: never cached, never on a public URL."""
    document_opened(document=document, by=request.user)
    extension = document.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=False,
        filename=f"{document.title}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
