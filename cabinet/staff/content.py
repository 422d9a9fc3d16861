"""The owner and staff edit what the cabinet shows: information pages, the catalog of services
and products, events, and what the cabinet's vertical adds (cabinet.staff.editors). Each action
needs the model's own permission (`<app>.view_/add_/change_/delete_<model>`, which the owner,
admins and managers have); every change is audited."""

from django.contrib import messages
from django.db import models
from django.db.models import ProtectedError
from django.forms import ModelForm
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.common.money import money
from cabinet.content import machine_translation
from cabinet.content import services as content_services
from cabinet.rendering import render_cabinet
from cabinet.staff.editors import Resource, resources


def _resource(key: str, request: HttpRequest, action: str) -> Resource:
    resource = resources().get(key)
    if resource is None:
        raise Http404
    resource.require(request.user, action)
    return resource


def _object(resource: Resource, pk: int) -> models.Model:
    try:
        return resource.queryset().get(pk=pk)
    except resource.model.DoesNotExist as exc:
        raise Http404 from exc


def _cells(obj: models.Model, columns: tuple[str, ...]) -> list[object]:
    """A row as a person reads it: a choice by its label, a yes by the field's name (a no left
    out), money and dates in the reader's format, nothing for an empty value — never "True",
    "False" or "None"."""
    cells: list[object] = []
    for column in columns:
        field = obj._meta.get_field(column)
        value = getattr(obj, column)
        if isinstance(field, models.BooleanField):
            if value:
                cells.append(field.verbose_name)
        elif getattr(field, "choices", None):
            cells.append(getattr(obj, f"get_{column}_display")())
        elif (
            isinstance(field, models.DecimalField)
            and value is not None
            and hasattr(obj, "currency")
        ):
            cells.append(money(value, obj.currency))
        elif isinstance(field, models.DateTimeField) and value is not None:
            cells.append(date_format(timezone.localtime(value), "DAY_TIME_FORMAT"))
        elif isinstance(field, models.DateField) and value is not None:
            cells.append(date_format(value, "DATE_FORMAT"))
        elif value not in (None, ""):
            cells.append(value)
        elif not cells:
            cells.append("—")  # the title column is never blank
    return cells


@require_http_methods(["GET"])
@staff_required
def content_list(request: HttpRequest, kind: str) -> HttpResponse:
    resource = _resource(kind, request, "view")
    rows = [(obj, _cells(obj, resource.columns)) for obj in resource.queryset()]
    return render_cabinet(request, "staff/content_list.html", {"resource": resource, "rows": rows})


@require_http_methods(["GET", "POST"])
@staff_required
def content_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    resource = _resource(kind, request, "add" if pk is None else "change")
    instance = _object(resource, pk) if pk is not None else None
    # a link may prefill a new one (the map's click puts the pin where it was)
    initial = {} if instance else {
        name: request.GET[name] for name in resource.form.base_fields if name in request.GET
    }  # fmt: skip
    if request.method == "POST" and "suggest" in request.POST:
        return _suggest(request, resource, instance)
    form = resource.form(
        request.POST or None, request.FILES or None, instance=instance, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        content_services.content_save(form=form, key=resource.key, request=request)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("staff:content", args=[resource.key]))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, resource, form, instance, status=status)


def _form_page(request: HttpRequest, resource: Resource, form: ModelForm,
               instance: models.Model | None, *, status: int) -> HttpResponse:  # fmt: skip
    context = {"resource": resource, "form": form, "object": instance,
               "aside": resource.aside[1]() if resource.aside else None,
               "can_suggest": machine_translation.translator() is not None}  # fmt: skip
    return render_cabinet(request, "staff/content_form.html", context, status=status)


def _suggest(
    request: HttpRequest, resource: Resource, instance: models.Model | None
) -> HttpResponse:
    """ "Suggest a translation": the form comes back, unsaved, with the empty inputs of one
    language filled by machine translation of the default language's texts."""
    service = machine_translation.translator()
    probe = resource.form(instance=instance)
    target = request.POST["suggest"]
    if service is None or target not in getattr(probe, "translated_languages", ()):
        return HttpResponseBadRequest(_("There is no translation to suggest for this language."))
    data = request.POST.copy()
    try:
        filled = machine_translation.suggest_into(
            data, fields=probe._translatable(), source=probe.content_languages[0],
            target=target, service=service,
        )  # fmt: skip
    except machine_translation.TranslationFailed:
        messages.error(request, _("The translation service did not answer; nothing was filled in."))
        filled = []
    else:
        if filled:
            messages.info(request, _("Suggested: check the texts, then save."))
        else:
            messages.info(request, _("Nothing to suggest: every text of this language is written."))
    form = resource.form(data, instance=instance)
    return _form_page(request, resource, form, instance, status=200)


@require_POST
@staff_required
def content_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    resource = _resource(kind, request, "delete")
    obj = _object(resource, pk)
    try:
        content_services.content_delete(obj=obj, key=resource.key, request=request)
    except ProtectedError:
        messages.error(request, _("This is still in use and cannot be deleted."))
    else:
        messages.success(request, _("Deleted."))
    return HttpResponseRedirect(reverse("staff:content", args=[resource.key]))
