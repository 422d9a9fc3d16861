"""Each interface language's catalogue is whole: no message empty or fuzzy (a message added
without its translation stays visible here after `makemessages`), every placeholder kept (a
translation naming one its English does not pass raises at render time), and the compiled .mo
says what the .po says. Each language also has its date styles (config/formats/<lang>)."""

import importlib
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "config" / "locale"
LANGUAGES = ("ru", "de", "ar")  # every interface language but English, which is the source
# The project's catalogue and those an app keeps in its own folder (a vertical's locale/).
LOCALES = [LOCALE, *sorted(p.parent for p in ROOT.glob("cabinet/*/locale/ru"))]
CATALOGUES = [(locale, language) for locale in LOCALES for language in LANGUAGES]
NAMES = [f"{locale.relative_to(ROOT)}:{language}" for locale, language in CATALOGUES]
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdif]|%[sdif]|\{\w+\}")


def _catalogue(language: str, locale: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(locale / language / "LC_MESSAGES" / "django.po"))


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_interface_language_is_checked_here():
    assert {code for code, _name in settings.LANGUAGES} - {"en"} <= set(LANGUAGES)


@pytest.mark.parametrize(("locale", "language"), CATALOGUES, ids=NAMES)
def test_no_message_is_untranslated_or_fuzzy(locale, language):
    # given
    catalogue = _catalogue(language, locale)

    # when
    empty = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    # then
    assert len(catalogue) > (1000 if locale == LOCALE else 0)
    assert empty == [], f"{len(empty)} messages have no {language} translation"
    assert fuzzy == [], f"{len(fuzzy)} {language} translations are fuzzy: check and unflag them"


@pytest.mark.parametrize(("locale", "language"), CATALOGUES, ids=NAMES)
def test_translations_keep_every_placeholder(locale, language):
    offending = []
    for entry in _catalogue(language, locale).translated_entries():
        if entry.msgid_plural:
            allowed = set(_placeholders(entry.msgid) + _placeholders(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                # a form may leave the number out ("one" in words), never add a name of its own
                if not set(_placeholders(form)) <= allowed:
                    offending.append(f"{entry.msgid!r} → {form!r}")
        elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            offending.append(f"{entry.msgid!r} → {entry.msgstr!r}")
    assert offending == []


@pytest.mark.parametrize(("locale", "language"), CATALOGUES, ids=NAMES)
def test_plural_forms_header_matches_the_forms_given(locale, language):
    catalogue = _catalogue(language, locale)
    count = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"]).group(1))
    expected = {"ru": 4, "de": 2}.get(language, count)  # ru: Django's 4-form Russian header
    assert count == expected
    for entry in catalogue:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == count, entry.msgid


@pytest.mark.parametrize(("locale", "language"), CATALOGUES, ids=NAMES)
def test_the_compiled_catalogue_is_the_current_one(locale, language):
    # given
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in _catalogue(language, locale).translated_entries()
    }

    # when
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in polib.mofile(str(locale / language / "LC_MESSAGES" / "django.mo"))
        if entry.msgid
    }

    # then
    assert compiled == source, "compile the .mo again (config/locale/translate_<lang>.py)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_date_style(language):
    english = importlib.import_module("config.formats.en.formats")
    styles = {name for name in dir(english) if name.endswith("_FORMAT")}
    module = importlib.import_module(f"config.formats.{language}.formats")
    assert styles <= set(dir(module))
