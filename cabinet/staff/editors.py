"""The content editors of the back office: what each edits (model, form, columns), who may
(the model's own permissions) and where it shows. The core's are listed here; a vertical adds its
own (`CabinetVertical.content_editors`), shown on its cabinets only. The pages are
cabinet.staff.content's."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms import ModelForm
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.content.forms import (
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
from cabinet.content.models import InfoPage
from cabinet.custom_fields.models import CustomField
from cabinet.messaging.models import CannedAnswer
from cabinet.verticals import current, loaded
from cabinet.wallet.models import Club, Offer, Tier
from cabinet.work.models import RequestType

StrOrPromise = str | Promise


@dataclass(frozen=True)
class Resource:
    key: str
    model: type[models.Model]
    form: type[ModelForm]
    title: StrOrPromise
    columns: tuple[str, ...]
    icon: str = "file-text"  # in the navigation's Content group
    # shown beside the form: (template, function giving its `aside` context), e.g. the plan
    aside: tuple[str, Callable[[], object]] | None = None
    # buttons beside the list's title: (label, URL name), e.g. a vertical's own page for it
    links: tuple[tuple[StrOrPromise, str], ...] = ()

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


CORE_RESOURCES = {
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


def resources() -> dict[str, Resource]:
    """The editors of this cabinet: the core's, then its vertical's."""
    vertical = current()
    added = loaded(vertical.content_editors)() if vertical and vertical.content_editors else []
    return {**CORE_RESOURCES, **{resource.key: resource for resource in added}}
