"""Reading what the owner wrote in several languages: the `translations` column every
translatable model has, and `tr()`, which picks the reader's language, else the cabinet's default,
else whatever exists. Kept apart from cabinet.content.translations (the editors, the cabinet's
choice of languages), so that the models can use it without importing the selectors above them."""

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import connection, models
from django.utils import translation
from django.utils.translation import gettext_lazy

Translations = dict[str, dict[str, str]]


class TranslatableMixin(models.Model):
    """`translatable_fields` name the text columns the owner may give per language."""

    translatable_fields: ClassVar[tuple[str, ...]] = ()

    translations = models.JSONField(
        gettext_lazy("translations"), default=dict, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def tr(self, field: str, language: str | None = None) -> str:
        return tr(self, field, language)


# --- Languages ---------------------------------------------------------------------------------


def language_names() -> dict[str, str]:
    return dict(settings.LANGUAGES)


def default_language() -> str:
    """The cabinet's default language (what the ordinary columns hold)."""
    code = getattr(getattr(connection, "tenant", None), "default_language", "") or ""
    return code if code in language_names() else settings.LANGUAGE_CODE


def _base(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


# --- Reading -----------------------------------------------------------------------------------


def tr(obj: object, field: str, language: str | None = None) -> str:
    """`obj.field` in `language` (the active one by default), else in the cabinet's default
    language, else in any language it is written in."""
    base_text = getattr(obj, field, "") or ""
    texts = getattr(obj, "translations", None) or {}
    wanted = _base(language or translation.get_language())
    if wanted and wanted != default_language():
        text = (texts.get(wanted) or {}).get(field) if isinstance(texts, Mapping) else None
        if text:
            return text
    if base_text or not isinstance(texts, Mapping):
        return base_text
    return next((t[field] for t in texts.values() if isinstance(t, Mapping) and t.get(field)), "")


def missing_translations(obj: TranslatableMixin, languages: list[str]) -> list[tuple[str, str]]:
    """(language, field) pairs that have text in the default language and none in `language`,
    for every content language after the default."""
    texts = obj.translations or {}
    return [
        (code, field)
        for code in languages[1:]
        for field in obj.translatable_fields
        if getattr(obj, field, "") and not (texts.get(code) or {}).get(field)
    ]
