"""Content in several languages (issue 22, point 1): what the owner writes has a text per content
language; clients read theirs, else the cabinet's default, else whatever is written; the owner
sees what is missing; machine translation is optional and never overwrites the owner."""

import json

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.branding.services import branding_update
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.content.machine_translation import LibreTranslate, TranslationFailed, suggest_into
from cabinet.content.translations import content_languages, missing_translations, tr
from cabinet.wallet.models import Tier
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory
from tests.support.fake_translate import fake_translate

ITEM = {"name": "Sauna", "description": "A hot room by the sea."}


def owner_browser(tenant) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(User.objects.get(email=f"owner@{tenant.slug}.example.com"))
    return browser


def client_browser(tenant, language: str) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        user = UserFactory(language=language)
        ClientProfile.objects.create(user=user)
        browser.force_login(user)
    return browser


def an_item(**fields) -> CatalogItem:
    category, _new = CatalogCategory.objects.get_or_create(name=fields.pop("category", "Tested"))
    return CatalogItem.objects.create(category=category, price="10.00", **{**ITEM, **fields})


def edit_data(item: CatalogItem, **extra: str) -> dict[str, str]:
    return {"category": str(item.category_id), "name": item.name,
            "description": item.description, "price": "10.00", "currency": "EUR",
            "unit": "item", "is_active": "on", **extra}  # fmt: skip


# --- Reading: the fallback order --------------------------------------------------------------


def test_a_text_falls_back_from_the_language_to_the_default_then_to_any(hotel):
    with tenant_context(hotel):
        # given an English cabinet, a service written in English and German
        item = an_item(translations={"de": {"name": "Sauna am Meer"}})
        only_german = an_item(category="Other", name="Spa", description="",
                              translations={"de": {"description": "Nur deutsch"}})  # fmt: skip
        # then each reader gets theirs, else the default's, else whatever is written
        assert tr(item, "name", "de") == "Sauna am Meer"
        assert tr(item, "description", "de") == "A hot room by the sea."  # no German: default
        assert tr(item, "name", "ru") == "Sauna"
        assert tr(item, "name", "en") == "Sauna"
        assert tr(only_german, "description", "ru") == "Nur deutsch"  # nothing else written
        with translation.override("de"):
            assert item.tr("name") == "Sauna am Meer"


def test_the_default_language_reads_the_columns_even_when_a_translation_says_otherwise(hotel):
    hotel.default_language = "ru"
    with tenant_context(hotel):
        item = an_item(
            name="Сауна", translations={"ru": {"name": "stale"}, "en": {"name": "Sauna"}}
        )
        assert tr(item, "name", "ru") == "Сауна"
        assert tr(item, "name", "en") == "Sauna"
        assert content_languages([]) == ["ru", "en"]  # default: the cabinet's and English


def test_the_template_filter_follows_the_active_language(hotel):
    with tenant_context(hotel):
        item = an_item(translations={"ru": {"name": "Сауна"}})
        template = Template('{% load formats %}{{ item|tr:"name" }}|{{ item|tr:"description" }}')
        with translation.override("ru"):
            assert template.render(Context({"item": item})) == "Сауна|A hot room by the sea."
        with translation.override("ar"):
            assert template.render(Context({"item": item})) == "Sauna|A hot room by the sea."


# --- The done-when walk: the owner writes, clients read --------------------------------------


def test_the_owner_writes_russian_and_german_and_each_client_reads_theirs(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "ru", "de"])
        item = an_item()
    owner = owner_browser(hotel)
    form = owner.get(f"/staff/content/catalog/{item.pk}/").content.decode()
    assert 'name="name__de"' in form
    assert 'name="description__ru"' in form
    assert "4 translations missing" in form
    saved = owner.post(f"/staff/content/catalog/{item.pk}/", edit_data(
        item, name__ru="Сауна", description__ru="Горячая комната у моря.",
        name__de="Sauna am Meer", description__de="Ein heißer Raum am Meer.",
    ))  # fmt: skip
    assert saved.status_code == 302
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.name == "Sauna"  # the default language's column is unchanged
        assert item.translations["de"] == {"name": "Sauna am Meer",
                                           "description": "Ein heißer Raum am Meer."}  # fmt: skip
        assert AuditEntry.objects.filter(action="catalog.updated").exists()
    german = client_browser(hotel, "de").get("/services/").content.decode()
    russian = client_browser(hotel, "ru").get("/services/").content.decode()
    arabic = client_browser(hotel, "ar").get("/services/").content.decode()
    assert "Sauna am Meer" in german
    assert "Ein heißer Raum am Meer." in german
    assert "Горячая комната у моря." in russian
    assert "Sauna am Meer" not in russian
    assert "A hot room by the sea." in arabic  # no Arabic: the default language


def test_a_translation_too_long_is_refused_and_nothing_changes(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de"])
        item = an_item()
    owner = owner_browser(hotel)
    response = owner.post(f"/staff/content/catalog/{item.pk}/", edit_data(item, name__de="x" * 121))
    assert response.status_code == 400
    assert "at most 120 characters" in response.content.decode()
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.translations == {}


def test_a_language_no_longer_written_keeps_its_texts(hotel):
    with tenant_context(hotel):
        item = an_item(translations={"ru": {"name": "Сауна"}})  # Russian no longer offered
        branding_update(content_languages=["en", "de"])
    response = owner_browser(hotel).post(
        f"/staff/content/catalog/{item.pk}/", edit_data(item, name__de="Sauna am Meer")
    )
    assert response.status_code == 302
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.translations == {"ru": {"name": "Сауна"}, "de": {"name": "Sauna am Meer"}}


def test_the_owner_chooses_the_content_languages_on_the_branding_page(hotel):
    owner = owner_browser(hotel)
    page = owner.get("/staff/branding/").content.decode()
    assert 'name="content_languages" value="de"' in page
    response = owner.post("/staff/branding/", {
        "display_name": "Hotel Test", "tagline": "Sea and sun", "welcome_text": "",
        "primary_colour": "#1f5f8b", "accent_colour": "#e0a100", "font": "system",
        "content_languages": ["de"], "legal-receipt_prefix": "R-",
        "legal-invoice_prefix": "INV-", "legal-voucher_prefix": "V-",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    page = owner.get("/staff/branding/").content.decode()
    assert 'name="tagline__de"' in page  # the tagline now has a German input
    with tenant_context(hotel):
        assert content_languages() == ["en", "de"]  # the default language is always kept
    saved = owner.post("/staff/branding/", {
        "display_name": "Hotel Test", "tagline": "Sea and sun", "tagline__de": "Meer und Sonne",
        "welcome_text": "", "primary_colour": "#1f5f8b", "accent_colour": "#e0a100",
        "font": "system", "content_languages": ["en", "de"], "legal-receipt_prefix": "R-",
        "legal-invoice_prefix": "INV-", "legal-voucher_prefix": "V-",
    })  # fmt: skip
    assert saved.status_code == 302
    assert "Meer und Sonne" in client_browser(hotel, "de").get("/").content.decode()


def test_an_unknown_content_language_is_refused(hotel):
    response = owner_browser(hotel).post("/staff/branding/", {
        "display_name": "Hotel Test", "primary_colour": "#1f5f8b", "accent_colour": "#e0a100",
        "font": "system", "content_languages": ["xx"], "legal-receipt_prefix": "R-",
        "legal-invoice_prefix": "INV-", "legal-voucher_prefix": "V-",
    })  # fmt: skip
    assert response.status_code == 400


# --- What is missing ---------------------------------------------------------------------------


def test_the_missing_page_lists_each_text_per_language_in_a_fixed_number_of_queries(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "ru"])
        CatalogItem.objects.update(translations={})
        item = an_item(translations={"ru": {"name": "Сауна"}})
        Tier.objects.create(name="Platinum club", min_spent="50000")
    owner = owner_browser(hotel)
    owner.get("/staff/translations/")
    with CaptureQueriesContext(connection) as few:
        page = owner.get("/staff/translations/").content.decode()
    assert f"/staff/content/catalog/{item.pk}/#lang-ru" in page  # the description is missing
    assert "Platinum club" in page
    with tenant_context(hotel):
        for n in range(10):
            an_item(category=f"More {n}", name=f"Extra {n}")
    owner.get("/staff/translations/")
    with CaptureQueriesContext(connection) as many:
        page = owner.get("/staff/translations/").content.decode()
    assert "Extra 9" in page
    assert len(many) == len(few) <= 25


def test_missing_translations_count_only_texts_written_in_the_default(hotel):
    with tenant_context(hotel):
        item = an_item(description="", translations={"de": {"name": "Sauna am Meer"}})
        assert missing_translations(item, ["en", "de", "ru"]) == [("ru", "name")]


def test_a_manager_sees_what_they_edit_and_not_the_branding(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "ru"])
        manager = UserFactory(is_staff=True)
        role_set(user=manager, role=StaffProfile.Role.MANAGER)
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(manager)
    page = browser.get("/staff/translations/")
    assert page.status_code == 200
    assert "/staff/branding/#lang-ru" not in page.content.decode()
    assert "/staff/content/catalog/" in page.content.decode()


def test_a_client_cannot_open_the_missing_page(hotel):
    assert client_browser(hotel, "en").get("/staff/translations/").status_code == 403


# --- Machine translation ----------------------------------------------------------------------


def test_with_no_translator_there_is_no_button_and_no_suggestion(hotel, settings):
    settings.MACHINE_TRANSLATION_BACKEND = "none"
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de"])
        item = an_item()
    owner = owner_browser(hotel)
    assert (
        "Suggest a translation"
        not in owner.get(f"/staff/content/catalog/{item.pk}/").content.decode()
    )
    refused = owner.post(f"/staff/content/catalog/{item.pk}/", edit_data(item, suggest="de"))
    assert refused.status_code == 400


def test_a_suggestion_fills_only_the_empty_inputs_and_saves_nothing(hotel, settings):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de"])
        item = an_item()
    with fake_translate() as fake:
        settings.MACHINE_TRANSLATION_BACKEND = "libretranslate"
        settings.MACHINE_TRANSLATION_URL = fake.url
        settings.MACHINE_TRANSLATION_ALLOW_PRIVATE = True
        owner = owner_browser(hotel)
        form = owner.get(f"/staff/content/catalog/{item.pk}/").content.decode()
        assert 'name="suggest" value="de"' in form
        response = owner.post(f"/staff/content/catalog/{item.pk}/",
                              edit_data(item, name__de="Meine Sauna", suggest="de"))  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "Meine Sauna" in page  # what the owner wrote stays
    assert "[de] A hot room by the sea." in page  # the empty one is suggested
    assert fake.asked == [{"path": "/translate", "q": ["A hot room by the sea."], "source": "en",
                           "target": "de", "format": "text"}]  # fmt: skip
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.translations == {}  # nothing is saved until the owner saves


def test_a_translator_that_fails_is_said_and_nothing_is_filled(settings):
    with fake_translate() as fake:
        fake.fail_next = 1
        service = LibreTranslate(fake.url, allow_private=True)
        data = {"name": "Sauna", "name__de": ""}
        with pytest.raises(TranslationFailed):
            suggest_into(data, fields=["name"], source="en", target="de", service=service)
    assert data["name__de"] == ""


def test_a_translator_on_a_private_address_is_refused_unless_allowed():
    with fake_translate() as fake, pytest.raises(TranslationFailed):
        LibreTranslate(fake.url).translate(["x"], source="en", target="de")
    assert fake.asked == []


# --- The API ---------------------------------------------------------------------------------


def test_the_api_reads_in_the_requested_language(hotel):
    with tenant_context(hotel):
        an_item(translations={"de": {"name": "Sauna am Meer"}, "ru": {"name": "Сауна"}})
    browser = client_browser(hotel, "ru")
    german = browser.get("/api/v1/catalog/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").json()
    own = browser.get("/api/v1/catalog/").json()  # no header: the person's own language
    assert "Sauna am Meer" in [row["name"] for row in german]
    assert "Сауна" in [row["name"] for row in own]


def test_staff_write_translations_through_the_api_typed_and_checked(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de"])
        item = an_item()
    owner = owner_browser(hotel)
    url = f"/api/v1/staff/catalog/{item.pk}/"

    def patch(body: object):
        return owner.patch(url, json.dumps(body), content_type="application/json")

    saved = patch({"translations": {"de": {"name": "Sauna am Meer"}}})
    wrong_language = patch({"translations": {"fr": {"name": "Sauna"}}})
    wrong_field = patch({"translations": {"de": {"price": "1"}}})
    too_long = patch({"translations": {"de": {"name": "x" * 121}}})
    not_text = patch({"translations": {"de": {"name": ["x"]}}})
    assert saved.status_code == 200, saved.content
    assert saved.json()["translations"] == {"de": {"name": "Sauna am Meer"}}
    assert saved.json()["languages"] == ["en", "de"]
    assert [r.status_code for r in (wrong_language, wrong_field, too_long, not_text)] == [400] * 4
    listed = owner.get("/api/v1/staff/catalog/").json()
    assert {"de": {"name": "Sauna am Meer"}} in [row["translations"] for row in listed]
    assert owner.patch("/api/v1/staff/catalog/999999/", "{}",
                       content_type="application/json").status_code == 404  # fmt: skip
    schema = owner.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    (name,) = [name for name in components if "StaffItemInput" in name]
    typed = components[name]["properties"]["translations"]
    assert typed["type"] == "object"
    assert typed["additionalProperties"]["additionalProperties"]["type"] == "string"


def test_clients_cannot_write_catalog_texts(hotel):
    with tenant_context(hotel):
        item = an_item()
    response = client_browser(hotel, "en").patch(
        f"/api/v1/staff/catalog/{item.pk}/", "{}", content_type="application/json"
    )
    assert response.status_code == 403


# --- Isolation ---------------------------------------------------------------------------------


def test_a_cabinets_translations_never_show_in_another_with_the_same_keys(hotel, shop):
    # given two cabinets whose services have the same primary key
    for tenant, german in ((hotel, "Hotel-Sauna"), (shop, "")):
        with tenant_context(tenant):
            category = CatalogCategory.objects.create(name="Colliding")
            texts = {"de": {"name": german}} if german else {}
            CatalogItem.objects.create(pk=987_654, category=category, name=f"{tenant.slug} item",
                                       price="1.00", translations=texts)  # fmt: skip
    # when a German reader opens the shop's catalog (page and API)
    browser = client_browser(shop, "de")
    page = browser.get("/services/").content.decode()
    api = browser.get("/api/v1/catalog/").content.decode()
    # then only the shop's own text shows
    assert "Hotel-Sauna" not in page
    assert "Hotel-Sauna" not in api
    assert "shop item" in page
    assert "Hotel-Sauna" in client_browser(hotel, "de").get("/services/").content.decode()


def test_surveys_are_written_in_the_content_languages(hotel):
    owner = owner_browser(hotel)
    assert 'name="title_de"' not in owner.get("/staff/surveys/").content.decode()
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de"])
    page = owner.get("/staff/surveys/").content.decode()
    assert 'name="title_de"' in page
    assert 'name="title_ru"' not in page
