"""Arabic, the right-to-left interface language (issue 22, point 1): every message of the
catalogue translated (none fuzzy, every placeholder kept, the six plural forms filled), the
compiled catalogue in step with it, pages and e-mails rendered as <html lang="ar" dir="rtl">,
PDFs shaped and mirrored, and the named date styles of config/formats in Arabic too."""

import io
import re
from importlib import import_module
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import formats, translation
from pypdf import PdfReader

from rbac.documents import Section, pdf_document
from tests.conftest import host_of

CATALOGUE = Path(settings.BASE_DIR) / "config" / "locale" / "ar" / "LC_MESSAGES"
# and the catalogues an app keeps in its own folder (a vertical's locale/)
APP_CATALOGUES = sorted(Path(settings.BASE_DIR).glob("cabinet/*/locale/ar/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}|</?[a-z]+[^>]*>")


@pytest.fixture(
    scope="module",
    params=[CATALOGUE / "django.po", *APP_CATALOGUES],
    ids=lambda path: str(path.relative_to(settings.BASE_DIR)),
)
def catalogue(request: pytest.FixtureRequest) -> polib.POFile:
    return polib.pofile(str(request.param))


def test_arabic_is_an_interface_language():
    assert ("ar", "العربية") in settings.LANGUAGES
    assert translation.get_language_info("ar")["bidi"] is True


def test_every_arabic_message_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated, first: {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, first: {fuzzy[:5]}"


def test_arabic_plurals_have_all_six_forms(catalogue):
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=6;")
    plurals = [entry for entry in catalogue if entry.msgid_plural and not entry.obsolete]
    assert plurals or Path(catalogue.fpath) != CATALOGUE / "django.po"  # an app's may have none
    short = [e.msgid for e in plurals if sorted(e.msgstr_plural) != [0, 1, 2, 3, 4, 5]]
    empty = [e.msgid for e in plurals if not all(e.msgstr_plural.values())]
    assert short == []
    assert empty == []


def test_arabic_messages_keep_every_placeholder(catalogue):
    def found(text: str) -> list[str]:
        return sorted(PLACEHOLDER.findall(text))

    def form_kept(entry: polib.POEntry, index: int, form: str) -> bool:
        if found(form) == found(entry.msgid_plural):
            return True
        # the forms for one and for two say the count in words ("ليلة واحدة", "ليلتان"), as
        # Arabic does: they may leave out the number, never another placeholder
        count_free = [p for p in found(entry.msgid_plural) if p not in found(form)]
        return (
            index in (1, 2)
            and set(found(form)) <= set(found(entry.msgid_plural))
            and (len(count_free) == 1)
        )

    broken = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and (
            (not entry.msgid_plural and entry.msgstr and found(entry.msgid) != found(entry.msgstr))
            or not all(form_kept(entry, i, form) for i, form in entry.msgstr_plural.items())
        )
    ]
    assert broken == []


def test_the_compiled_catalogue_is_in_step_with_the_source(catalogue):
    compiled = polib.mofile(str(Path(catalogue.fpath).with_suffix(".mo")))
    translated = {(e.msgctxt, e.msgid) for e in catalogue.translated_entries()}
    assert {(e.msgctxt, e.msgid) for e in compiled if e.msgid} == translated


def test_arabic_names_the_same_date_styles_as_english():
    def styles(language: str) -> set[str]:
        module = import_module(f"config.formats.{language}.formats")
        return {name for name in vars(module) if name.endswith("_FORMAT")}

    assert styles("ar") == styles("en")
    with translation.override("ar"):
        assert formats.get_format("DAY_TIME_FORMAT") == "\u200fj F، H:i"


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr"), ("ru", "ltr")])
def test_a_page_says_its_language_and_direction(hotel, language, direction):
    browser = Client(HTTP_HOST=host_of(hotel))
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = browser.get("/accounts/login/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in page


def test_an_arabic_email_is_right_to_left():
    context = {"branding": None, "title": "t", "body": "b", "link": "", "logo_url": "",
               "settings_link": "", "recipient_name": "Layla"}  # fmt: skip
    with translation.override("ar"):
        html = render_to_string("emails/notification.html", context)
    assert '<html lang="ar" dir="rtl">' in html


def _words_and_x(language: str, label: str) -> dict[str, int]:
    with translation.override(language):
        data = pdf_document(title=label, subtitle="R-2026-000042", sections=[
            Section(title=label, rows=[(label, "30.00 €")], amounts=True)])  # fmt: skip
    found: dict[str, int] = {}
    PdfReader(io.BytesIO(data)).pages[0].extract_text(
        visitor_text=lambda text, _cm, tm, _font, _size: found.setdefault(text.strip(), tm[4])
    )
    return found


def test_an_arabic_pdf_is_shaped_and_mirrored():
    # given a receipt's table in Arabic / then its words come out whole (shaped, not
    # letter by letter) and the label stands right of the amount, as in a right-to-left page
    arabic = _words_and_x("ar", "الإجمالي")
    assert "الإجمالي" in arabic
    assert arabic["الإجمالي"] > arabic["30.00 €"]
    # and in English the label stays on the left
    english = _words_and_x("en", "Total")
    assert english["Total"] < english["30.00 €"]
