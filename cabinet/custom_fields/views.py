"""The owner's fields on the pages (issue 22, point 3): the client fills in theirs on a record's
"More details" page (their profile's are on the profile page itself); staff see a record's fields
with personal ones masked, reveal one with a reason, edit the others, and download files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.accounts.selectors import client_profile_of
from cabinet.custom_fields import services as cf
from cabinet.custom_fields.models import CustomField
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record


def _target_or_404(key: str) -> cf.Target:
    target = cf.target_of(key)
    if target is None:
        raise Http404
    return target


def _record(queryset: models.QuerySet, pk: int) -> models.Model:
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def _field_or_404(target: str, key: str, *, audience: str) -> CustomField:
    for field in cf.fields_for(target, audience=audience):
        if field.key == key:
            return field
    raise Http404


def _file_response(record: models.Model, field: CustomField) -> FileResponse:
    stored = (record.custom or {}).get(field.key)
    if field.kind != CustomField.Kind.FILE or not isinstance(stored, dict):
        raise Http404
    try:
        handle = default_storage.open(stored["path"], "rb")
    except (KeyError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=stored.get("name") or "file")


def _save(request: HttpRequest, record: models.Model, target: str, fields: list, form) -> bool:
    if not form.is_valid():
        return False
    try:
        cf.values_save(
            record=record, target=target, values=cf.form_values(fields, form.cleaned_data),
            files=cf.form_files(fields, request.FILES), by=request.user, request=request,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


# --- The client --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def client_details(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """The client's own fields on one of their records (a booking, a stay, an order, a child)."""
    spec = _target_or_404(target)
    if request.user.is_staff or spec.key == "client":
        raise Http404
    record = _record(spec.of_client(client_profile_of(request.user)), pk)
    fields = cf.fields_for(spec.key, audience="client")
    if not fields:
        raise Http404
    form_class = cf.form_class(fields)
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if _save(request, record, spec.key, fields, form):
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(request.path)
        status = 400
    else:
        form = form_class(initial=cf.form_initial(record, fields))
        status = 200
    context = {
        "record": record, "target": spec.key, "form": form,
        "shown": cf.shown_values(record, fields, audience="client"),
    }  # fmt: skip
    return render_cabinet(request, "cabinet/custom_details.html", context, status=status)


@require_GET
@login_required
def client_file(request: HttpRequest, target: str, pk: int, key: str) -> FileResponse:
    spec = _target_or_404(target)
    if request.user.is_staff:
        raise Http404
    record = _record(spec.of_client(client_profile_of(request.user)), pk)
    return _file_response(record, _field_or_404(spec.key, key, audience="client"))


# --- Staff -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def staff_details(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    spec = _target_or_404(target)
    record = _record(spec.for_staff(request.user), pk)
    fields = [
        f for f in cf.fields_for(spec.key) if f.access != CustomField.Access.PERSONAL
    ]  # personal data is the client's to write
    form_class = cf.form_class(fields)
    status = 200
    form = form_class(initial=cf.form_initial(record, fields))
    if request.method == "POST":
        if not cf.can_edit(request.user):
            raise PermissionDenied("cannot edit these fields")
        form = form_class(request.POST, request.FILES)
        if _save(request, record, spec.key, fields, form):
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(request.path)
        status = 400
    audit_record(action="custom_fields.viewed", target=record, request=request)
    context = {
        "panel": cf.staff_panel(request.user, record, spec.key), "form": form, "record": record,
        "target": spec.key, "back": _staff_page_of(spec.key, record),
    }  # fmt: skip
    return render_cabinet(request, "staff/custom_details.html", context, status=status)


def _staff_page_of(target: str, record: models.Model) -> str:
    """The record's own back-office page, where there is one."""
    spec = cf.targets().get(target)
    return reverse(spec.staff_url, args=[record.pk]) if spec and spec.staff_url else ""


@require_POST
@staff_required
def staff_reveal(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    spec = _target_or_404(target)
    record = _record(spec.for_staff(request.user), pk)
    field = _field_or_404(spec.key, request.POST.get("field", "")[:40], audience="staff")
    try:
        value = cf.reveal(record=record, field=field, reason=request.POST.get("reason", ""),
                          staff=request.user, request=request)  # fmt: skip
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    return render_cabinet(request, "staff/_revealed.html", {"field": field.label, "value": value})


@require_GET
@staff_required
def staff_file(request: HttpRequest, target: str, pk: int, key: str) -> FileResponse:
    spec = _target_or_404(target)
    record = _record(spec.for_staff(request.user), pk)
    field = _field_or_404(spec.key, key, audience="staff")
    if field.access == CustomField.Access.PERSONAL and not cf.can_reveal(request.user):
        raise PermissionDenied("cannot see personal data")
    audit_record(action="custom_field.downloaded", target=record,
                 changes={"field": field.key}, request=request)  # fmt: skip
    return _file_response(record, field)
