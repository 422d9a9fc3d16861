"""What is still to translate: for every content language after the default, each text the
owner wrote in the default language that has no translation, with a link to its editor. Staff
see the kinds of content they may change; the branding texts only the owner."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cabinet.access import staff_required
from cabinet.branding.selectors import branding_get
from cabinet.content.translations import (
    TranslationSource,
    content_languages,
    language_names,
    missing_translations,
)
from cabinet.hooks import TRANSLATION_SOURCES
from cabinet.memberships.models import MembershipPlan
from cabinet.rendering import render_cabinet
from cabinet.staff.editors import resources


@dataclass(frozen=True)
class Missing:
    kind: object  # what it is: "Services and products"
    name: str  # which one
    field: object  # which text: "description"
    url: str


@dataclass
class LanguageGap:
    code: str
    name: str
    rows: list[Missing]


def translation_gaps(user: object, languages: list[str]) -> list[LanguageGap]:
    """One query per kind of content the person may change (and none for the branding, which
    is cached)."""
    names = language_names()
    gaps = {code: LanguageGap(code, names.get(code, code), []) for code in languages[1:]}
    if not gaps:
        return []
    sources: list[TranslationSource] = []
    if getattr(user, "is_superuser", False):
        url = reverse("staff:branding")
        sources.append(TranslationSource(gettext_lazy("Name and words"), [branding_get()],
                                         lambda obj, url=url: url))  # fmt: skip
    for resource in resources().values():
        opts = resource.model._meta
        if not getattr(resource.model, "translatable_fields", ()):
            continue
        if not user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            continue
        sources.append(
            TranslationSource(
                resource.title,
                resource.queryset(),
                lambda obj, key=resource.key: reverse("staff:content-edit", args=[key, obj.pk]),
            )
        )
    if user.has_perm("cabinet.change_membershipplan"):
        sources.append(
            TranslationSource(
                gettext_lazy("Memberships"),
                MembershipPlan.objects.all(),
                lambda obj: reverse("staff:membership-edit", args=[obj.pk]),
            )
        )
    sources.extend(TRANSLATION_SOURCES.run(user=user) or [])
    for source in sources:
        for obj in source.objects:
            if obj.pk is None:
                continue
            for code, field in missing_translations(obj, languages):
                label = obj._meta.get_field(field).verbose_name
                url = f"{source.url_of(obj)}#lang-{code}"
                gaps[code].rows.append(Missing(source.title, str(obj), label, url))
    return list(gaps.values())


@require_GET
@staff_required
def translations_missing(request: HttpRequest) -> HttpResponse:
    languages = content_languages()
    gaps = translation_gaps(request.user, languages)
    context = {
        "gaps": gaps,
        "default_name": language_names().get(languages[0], languages[0]),
        "total": sum(len(gap.rows) for gap in gaps),
    }
    return render_cabinet(request, "staff/translations_missing.html", context)
