"""The interface in German at 375 px, as a German client and a German-speaking owner see it:
every page says it is German (`<html lang="de">`), shows German words, does not scroll sideways,
and speaks with «Sie» — allauth's own pages included. Screenshots land in
test-artifacts/e2e/german/."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.verticals import loaded, vertical_named
from rbac.models import User
from rbac.services import client_create, user_language_set
from tests.conftest import OWNER_PASSWORD, host_of
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
PASSWORD = "deutsch-sprechen-2026"
WIDTH = 375
INFORMAL = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner)\b", re.IGNORECASE)

CLIENT_PAGES = {
    "/": "Willkommen zurück",
    "/stay/": "Aufenthalt",
    "/services/": "Leistungen",
    "/orders/": "Meine Bestellungen",
    "/bookings/": "Buchungen",
    "/wallet/": "Guthaben",
    "/account/": "Ihr Konto",
    "/account/profile/": "Ihr Profil",
    "/accounts/email/": "E-Mail-Adresse",
    "/accounts/password/change/": "Passwort",
}
STAFF_PAGES = {
    "/staff/": "Hallo",
    "/staff/queue/": "Warteschlange",
    "/staff/clients/": "Kunden",
    "/staff/kpi/": "Zeitraum",
    "/staff/orders/": "Offene Bestellungen",
}
SIGN_IN_PAGES = {
    "/accounts/login/": "Anmelden",
    "/accounts/signup/": "Registrieren",
    "/accounts/password/reset/": "Passwort",
}


@pytest.fixture(scope="module")
def german(module_tenant: Any, django_db_blocker: Any) -> Iterator[tuple[str, str]]:
    """A hotel with the demo's content, a client and an owner who both chose German."""
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        owner = User.objects.get(is_superuser=True)
        user = client_create(email="lena@gast.example.com", password=PASSWORD,
                             full_name="Lena Schmidt", email_verified=True)  # fmt: skip
        profile = ClientProfile.objects.create(user=user)
        loaded(vertical_named("hotel").demo_seed)(guest=profile, owner=owner, password=PASSWORD)
        for person in (user, owner):
            user_language_set(user=person, language="de")
        yield user.email, owner.email


def _signed_in(browser: Any, base: str, email: str | None, password: str) -> Any:
    context = browser.new_context(viewport={"width": WIDTH, "height": 800}, locale="de-DE")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "de", "url": base}])
    page = context.new_page()
    if email:
        page.goto(base + "/accounts/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        page.click("form[action*='login'] button[type=submit]")
        page.wait_for_load_state("networkidle")
    return page


def _walk(page: Any, base: str, pages: dict[str, str], who: str) -> list[str]:
    problems = []
    folder = ARTIFACTS / "german"
    folder.mkdir(parents=True, exist_ok=True)
    for path, words in pages.items():
        response = page.goto(base + path, wait_until="networkidle")
        name = f"{who}{path.rstrip('/').replace('/', '-') or '-home'}"
        page.screenshot(path=str(folder / f"{name}-{WIDTH}.png"), full_page=True)
        if response is None or response.status >= 400:
            problems.append(f"{path}: answered {response.status if response else 'nothing'}")
            continue
        text = page.locator("body").inner_text().replace("\u00ad", "")  # soft hyphens
        if page.evaluate("document.documentElement.lang") != "de":
            problems.append(f"{path}: not in German")
        if words not in text:
            problems.append(f"{path}: «{words}» is not on the page")
        if page.evaluate("document.documentElement.scrollWidth") > WIDTH:
            problems.append(f"{path}: scrolls sideways at {WIDTH} px")
        if found := INFORMAL.findall(text):
            problems.append(f"{path}: says «du»: {sorted(set(found))}")
    return problems


def test_a_german_client_reads_every_page_in_german_on_a_phone(
    module_tenant, german, live_port, browser
):
    # given a client who chose German
    base = f"http://{host_of(module_tenant)}:{live_port}"
    page = _signed_in(browser, base, german[0], PASSWORD)

    # when she walks her cabinet at 375 px
    problems = _walk(page, base, CLIENT_PAGES, "client")

    # then every page is German, formal, and fits the screen
    page.context.close()
    assert problems == []


def test_a_german_owner_reads_the_back_office_in_german_on_a_phone(
    module_tenant, german, live_port, browser
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    page = _signed_in(browser, base, german[1], OWNER_PASSWORD)

    problems = _walk(page, base, STAFF_PAGES, "staff")

    page.context.close()
    assert problems == []


def test_the_sign_in_pages_speak_german_with_sie(module_tenant, live_port, browser):
    # given a visitor whose language cookie says German
    base = f"http://{host_of(module_tenant)}:{live_port}"
    page = _signed_in(browser, base, None, "")

    # when they open allauth's sign-in, sign-up and password-reset pages
    problems = _walk(page, base, SIGN_IN_PAGES, "visitor")

    # then allauth's German (reworded to «Sie» where it said «du») fits the phone
    page.context.close()
    assert problems == []
