"""The owner and staff edit what the cabinet shows: information pages, the catalog of services
and products, events; on a hotel, the map's points and the rooms. Each action needs the model's
own permission (`<app>.view_/add_/change_/delete_<model>`, which the owner, admins and managers
have); every change is audited."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
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
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabinet import machine_translation, services
from cabinet.forms import (
    CannedAnswerForm,
    CatalogCategoryForm,
    CatalogItemForm,
    ClubForm,
    CustomFieldForm,
    EventForm,
    InfoPageForm,
    OfferForm,
    RequestTypeForm,
    TierForm,
)
from cabinet.hotel.forms import MapPointForm, RoomForm
from cabinet.hotel.models import MapPoint, Room
from cabinet.hotel.selectors import resort_map
from cabinet.models import (
    CannedAnswer,
    CatalogCategory,
    CatalogItem,
    Club,
    CustomField,
    Event,
    InfoPage,
    Offer,
    RequestType,
    Tier,
)
from cabinet.money import money
from cabinet.rendering import render_cabinet
from cabinet.staff.access import staff_required
from cabinet.verticals import current_vertical

StrOrPromise = str | Promise


@dataclass(frozen=True)
class Resource:
    key: str
    model: type[models.Model]
    form: type[ModelForm]
    title: StrOrPromise
    columns: tuple[str, ...]
    vertical: str = ""  # only on cabinets of this vertical
    # shown beside the form: (template, function giving its `aside` context), e.g. the plan
    aside: tuple[str, Callable[[], object]] | None = None

    def require(self, user: object, action: str) -> None:
        opts = self.model._meta
        if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            raise PermissionDenied(f"{action} {opts.model_name}")

    def queryset(self) -> models.QuerySet:
        queryset = self.model.objects.all()
        if self.model is CatalogItem:
            return queryset.select_related("category")
        if self.model is CannedAnswer:
            return queryset.select_related("request_type")
        return queryset


RESOURCES = {
    "pages": Resource(
        "pages", InfoPage, InfoPageForm, gettext_lazy("Information pages"), ("title", "kind")
    ),
    "catalog": Resource(
        "catalog",
        CatalogItem,
        CatalogItemForm,
        gettext_lazy("Services and products"),
        ("name", "category", "price", "unit"),
    ),
    "categories": Resource(
        "categories", CatalogCategory, CatalogCategoryForm, gettext_lazy("Catalog sections"),
        ("name", "position"),
    ),
    "offers": Resource(
        "offers", Offer, OfferForm, gettext_lazy("Offers and promo codes"),
        ("title", "code", "valid_until", "uses"),
    ),
    "clubs": Resource(
        "clubs", Club, ClubForm, gettext_lazy("Clubs"), ("name", "discount_percent", "is_open")
    ),
    "tiers": Resource(
        "tiers", Tier, TierForm, gettext_lazy("Loyalty tiers"),
        ("name", "min_spent", "discount_percent"),
    ),
    "events": Resource(
        "events",
        Event,
        EventForm,
        gettext_lazy("Events"),
        ("title", "starts_at", "capacity", "price"),
    ),
    "map-points": Resource(
        "map-points", MapPoint, MapPointForm, gettext_lazy("Map of the resort"),
        ("name", "kind", "x", "y"), vertical="hotel",
        aside=("hotel/_plan_picker.html", resort_map),
    ),
    "rooms": Resource(
        "rooms", Room, RoomForm, gettext_lazy("Rooms"), ("number", "kind"), vertical="hotel"
    ),
    # the standard processes (issue 19): what intake files requests under, and the answers to them
    "request-types": Resource(
        "request-types", RequestType, RequestTypeForm, gettext_lazy("Request types"),
        ("name", "sla_minutes", "client_requestable"),
    ),
    "canned-answers": Resource(
        "canned-answers", CannedAnswer, CannedAnswerForm, gettext_lazy("Canned answers"),
        ("title", "language", "request_type"),
    ),
    # fields the owner adds to clients, orders, bookings, stays and students (issue 22)
    "fields": Resource(
        "fields", CustomField, CustomFieldForm, gettext_lazy("Custom fields"),
        ("label", "target", "kind", "access", "required", "active"),
    ),
}  # fmt: skip


def _resource(key: str, request: HttpRequest, action: str) -> Resource:
    resource = RESOURCES.get(key)
    if resource is None or (resource.vertical and resource.vertical != current_vertical()):
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
        services.content_save(form=form, key=resource.key, request=request)
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
        services.content_delete(obj=obj, key=resource.key, request=request)
    except ProtectedError:
        messages.error(request, _("This is still in use and cannot be deleted."))
    else:
        messages.success(request, _("Deleted."))
    return HttpResponseRedirect(reverse("staff:content", args=[resource.key]))
