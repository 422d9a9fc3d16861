"""What is still to translate: for every content language after the default, each text the
owner wrote in the default language that has no translation, with a link to its editor. Staff
see the kinds of content they may change; the branding texts only the owner."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cabinet.access import staff_required
from cabinet.content_i18n import content_languages, language_names, missing_translations
from cabinet.rendering import render_cabinet
from cabinet.selectors import branding_get
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
    sources: list[tuple[object, list, str]] = []
    if getattr(user, "is_superuser", False):
        sources.append(
            (gettext_lazy("Name and words"), [branding_get()], reverse("staff:branding"))
        )
    for resource in resources().values():
        opts = resource.model._meta
        if not getattr(resource.model, "translatable_fields", ()):
            continue
        if not user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            continue
        sources.append((resource.title, list(resource.queryset()), resource.key))
    for title, objects, where in sources:
        for obj in objects:
            if obj.pk is None:
                continue
            for code, field in missing_translations(obj, languages):
                url = (
                    where
                    if where.startswith("/")
                    else reverse("staff:content-edit", args=[where, obj.pk])
                )
                label = obj._meta.get_field(field).verbose_name
                gaps[code].rows.append(Missing(title, str(obj), label, f"{url}#lang-{code}"))
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
