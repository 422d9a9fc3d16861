"""What the owner writes, in several languages (issue 22, point 1).

A translatable model keeps its ordinary columns in the cabinet's default language (so ordering,
search, uniqueness and every existing page keep working) and the other languages in one JSON
column, `translations = {"de": {"name": "…", "description": "…"}, "ru": {…}}`. The languages the
owner writes in are a cabinet setting (`Branding.content_languages`), chosen among the interface
languages of `settings.LANGUAGES`.

Readers ask `tr(obj, "name")` (in templates `{{ service|tr:"name" }}`): the active language, else
the cabinet's default language, else whatever text exists. Editors add one input per content
language to their model forms with `TranslatedFormMixin`; `missing_translations` lists what is
still to translate, for the owner's page and the editors' counts.
"""

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from cabinet.common.translatable import (  # noqa: F401 — the readers' API, as before
    TranslatableMixin,
    Translations,
    default_language,
    language_names,
    missing_translations,
    tr,
)

# --- Languages ---------------------------------------------------------------------------------


def content_languages(chosen: Iterable[str] | None = None) -> list[str]:
    """The languages the owner writes in, the default first, in the order of settings.LANGUAGES.
    `chosen` is the cabinet's setting (the branding's by default); empty means the default
    language and English."""
    if chosen is None:
        from cabinet.branding.selectors import branding_get

        chosen = branding_get().content_languages
    default = default_language()
    wanted = set(chosen or ()) or {settings.LANGUAGE_CODE}
    return [default] + [code for code in language_names() if code in wanted and code != default]


def is_bidi(code: str) -> bool:
    try:
        return bool(translation.get_language_info(code)["bidi"])
    except KeyError:
        return False


@dataclass(frozen=True)
class TranslationSource:
    """A kind of translatable content and where each of its objects is edited, for the
    missing-translations page (cabinet.staff.translations)."""

    title: object
    objects: Iterable
    url_of: Callable[[object], str]


# --- Checking what is written (forms and the API) ----------------------------------------------


def translations_clean(
    model: type[TranslatableMixin], value: object, languages: list[str]
) -> Translations:
    """A `translations` object as the API receives it, checked: known content languages other
    than the default, known fields, strings within each field's max length. Empty texts are
    dropped. Raises ValidationError with words a person reads."""
    if not isinstance(value, Mapping):
        raise ValidationError(_("Give translations as an object of languages."))
    clean: Translations = {}
    for code, texts in value.items():
        if code not in languages[1:]:
            raise ValidationError(
                _("“%(code)s” is not one of this cabinet's other content languages: %(codes)s.")
                % {"code": code, "codes": ", ".join(languages[1:]) or "—"}
            )
        if not isinstance(texts, Mapping):
            raise ValidationError(_("Give the texts of each language as an object of fields."))
        kept: dict[str, str] = {}
        for field, text in texts.items():
            if field not in model.translatable_fields:
                raise ValidationError(
                    _("“%(field)s” cannot be translated here.") % {"field": field}
                )
            if not isinstance(text, str):
                raise ValidationError(_("Each translation is a text."))
            limit = model._meta.get_field(field).max_length
            if limit and len(text) > limit:
                raise ValidationError(
                    _("%(field)s (%(code)s): at most %(limit)d characters.")
                    % {"field": field, "code": code, "limit": limit}
                )
            if text.strip():
                kept[field] = text.strip()
        if kept:
            clean[code] = kept
    return clean


# --- Editors -----------------------------------------------------------------------------------


@dataclass
class LanguageFieldset:
    code: str
    name: str
    fields: list[forms.BoundField]
    missing: int
    bidi: bool = False


def translation_field_name(field: str, code: str) -> str:
    return f"{field}__{code}"


class TranslatedFormMixin:
    """A ModelForm of a translatable model gains, for every content language after the default,
    one optional input per translatable field (same widget, same max length), saved into the
    instance's `translations`. The ordinary inputs stay the default language's, required as
    before. Languages the owner no longer writes in keep what was written in them."""

    translated_languages: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content_languages = content_languages()
        self.translated_languages = self.content_languages[1:]
        model = self._meta.model
        saved = self.instance.translations or {}
        for code in self.translated_languages:
            for field in self._translatable():
                base = self.fields[field]
                name = translation_field_name(field, code)
                extra = forms.CharField(
                    label=base.label,
                    required=False,
                    max_length=model._meta.get_field(field).max_length,
                    widget=copy.deepcopy(base.widget),
                )
                extra.translation_of = field  # type: ignore[attr-defined]
                self.fields[name] = extra
                self.initial[name] = (saved.get(code) or {}).get(field, "")

    def _translatable(self) -> list[str]:
        return [f for f in self._meta.model.translatable_fields if f in self.fields]

    def _post_clean(self) -> None:
        super()._post_clean()
        kept = {
            code: texts
            for code, texts in (self.instance.translations or {}).items()
            if code not in self.translated_languages
        }
        for code in self.translated_languages:
            texts = {
                field: self.cleaned_data.get(translation_field_name(field, code), "")
                for field in self._translatable()
            }
            texts = {field: text for field, text in texts.items() if text}
            if texts:
                kept[code] = texts
        self.instance.translations = kept
        self.cleaned_data["translations"] = kept

    def default_fields(self) -> list[forms.BoundField]:
        """The ordinary inputs (the default language's, and everything not translated)."""
        return [bound for bound in self if not hasattr(bound.field, "translation_of")]

    def language_fieldsets(self) -> list[LanguageFieldset]:
        names = language_names()
        fieldsets = []
        for code in self.translated_languages:
            bound = [self[translation_field_name(f, code)] for f in self._translatable()]
            missing = sum(
                1
                for field, box in zip(self._translatable(), bound, strict=True)
                if self[field].value() and not box.value()
            )
            fieldsets.append(
                LanguageFieldset(code, names.get(code, code), bound, missing, is_bidi(code))
            )
        return fieldsets

    def default_language_name(self) -> str:
        return language_names().get(self.content_languages[0], self.content_languages[0])

    def missing_count(self) -> int:
        return sum(fieldset.missing for fieldset in self.language_fieldsets())
