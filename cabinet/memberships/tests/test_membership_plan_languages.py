"""Membership plans per content language (issue 22, point 1): the owner writes a plan's name and
description in each content language on the plan's page; a client reads theirs, else the
cabinet's default; the missing-translations page lists the plans still to translate."""

from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.branding.services import branding_update
from cabinet.memberships.models import MembershipPlan
from rbac.models import User
from tests.factories import UserFactory

PLAN = {"name": "Monthly parking", "description": "A place in the garage", "price": "30.00",
        "currency": "EUR", "interval": "month", "is_active": "on"}  # fmt: skip


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


def test_a_plan_written_in_german_shows_to_a_german_client_and_the_default_otherwise(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de", "ru"])
    owner = owner_browser(hotel)
    form = owner.get("/staff/memberships/new/").content.decode()
    assert 'name="name__de"' in form
    assert 'name="description__ru"' in form

    saved = owner.post("/staff/memberships/new/", {
        **PLAN, "name__de": "Parkplatz im Monat", "description__de": "Ein Platz in der Garage",
    })  # fmt: skip
    assert saved.status_code == 303
    with tenant_context(hotel):
        plan = MembershipPlan.objects.get(name="Monthly parking")
        assert plan.translations == {
            "de": {"name": "Parkplatz im Monat", "description": "Ein Platz in der Garage"}
        }

    german = client_browser(hotel, "de").get("/memberships/").content.decode()
    russian = client_browser(hotel, "ru").get("/memberships/").content.decode()
    assert "Parkplatz im Monat" in german
    assert "Ein Platz in der Garage" in german
    assert "Monthly parking" not in german
    assert "Monthly parking" in russian
    assert "A place in the garage" in russian

    missing = owner.get("/staff/translations/").content.decode()
    assert f"/staff/memberships/{plan.pk}/#lang-ru" in missing
    assert f"/staff/memberships/{plan.pk}/#lang-de" not in missing

    # a bad form is refused with the form again, not a 500, and keeps the typed translations
    refused = owner.post(f"/staff/memberships/{plan.pk}/", {**PLAN, "price": "0.10",
                                                            "name__ru": "Парковка"})  # fmt: skip
    assert refused.status_code == 400
    assert 'value="Парковка"' in refused.content.decode()
