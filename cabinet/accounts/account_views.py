"""The person's own account page (/account/): ways in, their data, deleting the account."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.rendering import render_cabinet
from rbac.account import (
    account_deletion_cancel,
    account_deletion_schedule,
    account_phone_remove,
    data_export_request,
)
from rbac.models import DataExport
from rbac.selectors import export_get_for, export_latest, sign_in_methods
from tenants import signing

DOWNLOAD_PURPOSE = "cabinet.accounts.account_views-download"
DOWNLOAD_MAX_AGE = 600  # a download link works for ten minutes


def download_url(export: DataExport, kind: str) -> str:
    claim = {"e": export.pk, "k": kind, "u": export.user_id}
    return reverse("account-download", args=[signing.sign(DOWNLOAD_PURPOSE, claim)])


def _export_context(export: DataExport | None) -> dict[str, object]:
    if export is None or export.status != DataExport.Status.READY:
        return {"export": export}
    return {
        "export": export,
        "json_url": download_url(export, "json"),
        "pdf_url": download_url(export, "pdf"),
    }


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    context = {
        **sign_in_methods(user=request.user),
        **_export_context(export_latest(user=request.user)),
    }
    return render_cabinet(request, "cabinet/account.html", context)


@require_POST
@login_required
def export_create(request: HttpRequest) -> HttpResponse:
    data_export_request(user=request.user)
    return HttpResponseRedirect(reverse("account") + "#data")


@require_GET
@login_required
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the export's progress, polled until it is ready."""
    export = export_get_for(user=request.user, pk=pk)
    if export is None:
        raise Http404
    return render_cabinet(request, "cabinet/_export_status.html", _export_context(export))


@require_GET
@login_required
def download(request: HttpRequest, token: str) -> HttpResponse:
    claim = signing.unsign(DOWNLOAD_PURPOSE, token, max_age=DOWNLOAD_MAX_AGE)
    if not isinstance(claim, dict) or claim.get("u") != request.user.pk:
        raise Http404
    if claim.get("k") not in ("json", "pdf"):
        raise Http404
    export = export_get_for(user=request.user, pk=claim.get("e"))
    field = getattr(export, f"{claim['k']}_file", None) if export else None
    if not field:
        raise Http404
    return FileResponse(
        field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1]
    )


@require_POST
@login_required
def deletion(request: HttpRequest) -> HttpResponse:
    try:
        user = account_deletion_schedule(
            user=request.user, password=request.POST.get("password", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Your account will be deleted on %(date)s. You can cancel until then.")
            % {"date": date_format(user.deletion_scheduled_for, "DATE_FORMAT")},
        )
    return HttpResponseRedirect(reverse("account") + "#delete")


@require_POST
@login_required
def deletion_cancel(request: HttpRequest) -> HttpResponse:
    account_deletion_cancel(user=request.user)
    messages.success(request, _("Your account will not be deleted."))
    return HttpResponseRedirect(reverse("account"))


@require_POST
@login_required
@reauthentication_required(app="allauth.account")
def phone_remove(request: HttpRequest) -> HttpResponse:
    account_phone_remove(user=request.user)
    messages.success(request, _("Your phone number is no longer a way to sign in."))
    return HttpResponseRedirect(reverse("account"))
