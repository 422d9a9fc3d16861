"""Arabic, a right-to-left interface, at 375 px: a client's and a staff member's most used pages
come as <html lang="ar" dir="rtl">, mirrored (the tab bar starts at the right, the arrows that
point onwards or back turn round), and none scrolls sideways; an English page stays left to right.
Screenshots land in test-artifacts/e2e/rtl/ for a person to look at."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.content.models import InfoPage
from cabinet.wallet.services import wallet_top_up
from rbac.models import User
from rbac.services import client_create
from tests.conftest import OWNER_PASSWORD, committed_tenant_for, host_of
from tests.e2e.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.e2e
PASSWORD = "reading from the right"
CLIENT_PAGES = ["/", "/events/", "/orders/", "/wallet/", "/messages/", "/account/"]
STAFF_PAGES = ["/staff/", "/staff/clients/", "/staff/clients/{client}/", "/staff/branding/"]
MIRRORED = "matrix(-1, 0, 0, 1, 0, 0)"


@pytest.fixture(scope="module")
def hotel_cabinet(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple]:
    with committed_tenant_for(django_db_blocker) as tenant, django_db_blocker.unblock():
        with tenant_context(tenant):
            owner = User.objects.get(is_superuser=True)
            user = client_create(email="guest@rtl.example.com", password=PASSWORD,
                                 full_name="Layla Haddad", email_verified=True)  # fmt: skip
            profile = ClientProfile.objects.create(user=user)
            wallet_top_up(client=profile, amount=Decimal("100.00"))
        yield tenant, user.email, owner.email, profile.pk


def _in(browser: Any, base: str, language: str) -> Any:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale=language)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    return context


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form[action*='login'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def _look(page: Any, url: str, name: str) -> list[str]:
    """Open `url` in Arabic and say what is not right to left about it."""
    response = page.goto(url, wait_until="networkidle")
    if response is None or response.status >= 400:
        return [f"{name}: answered {response.status if response else 'nothing'}"]
    folder = ARTIFACTS / "rtl"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    problems = []
    root = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    if root != ["ar", "rtl"]:
        problems.append(f"{name}: <html lang dir> is {root}")
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll > client:
        problems.append(f"{name}: scrolls sideways ({scroll} px in {client} px)")
    return problems


def test_arabic_pages_are_mirrored_and_fit_a_phone(hotel_cabinet, browser, live_port):
    tenant, client_email, owner_email, client_pk = hotel_cabinet
    base = f"http://{host_of(tenant)}:{live_port}"
    problems: list[str] = []

    # given a guest who reads Arabic
    context = _in(browser, base, "ar")
    page = context.new_page()
    problems += _look(page, base + "/accounts/login/", "sign-in")
    assert "تسجيل الدخول" in page.content()  # allauth's own words come in Arabic too
    _sign_in(page, base, client_email, PASSWORD)
    for path in CLIENT_PAGES:
        problems += _look(page, base + path, "client-" + (path.strip("/") or "home"))

    # then the tab bar runs from the right: its first tab (home) stands right of the last one
    tabs = page.locator(".tabbar > a")
    first, last = tabs.first.bounding_box(), tabs.nth(tabs.count() - 1).bounding_box()
    assert first["x"] > last["x"]
    # and the chevrons that lead onwards in the More sheet point left
    chevron = page.locator(".more-sheet .icon-chevron-right").first
    assert chevron.evaluate("icon => getComputedStyle(icon).transform") == MIRRORED
    context.close()

    # given the owner, who reads Arabic too
    context = _in(browser, base, "ar")
    page = context.new_page()
    _sign_in(page, base, owner_email, OWNER_PASSWORD)
    # who picks Arabic in the back office's footer, over the cabinet's default language
    page.click("footer button[name=language][value=ar]")
    page.wait_for_load_state("networkidle")
    for path in STAFF_PAGES:
        url = base + path.format(client=client_pk)
        problems += _look(
            page, url, "staff-" + path.strip("/").replace("/", "-").format(client="card")
        )
    context.close()

    assert not problems, "\n".join(problems)


def test_a_back_arrow_turns_round_in_arabic_and_not_in_english(hotel_cabinet, browser, live_port):
    tenant, client_email, _owner_email, _client_pk = hotel_cabinet
    base = f"http://{host_of(tenant)}:{live_port}"
    with tenant_context(tenant):
        InfoPage.objects.get_or_create(slug="wifi", defaults={"title": "Wi-Fi", "body": "kabinet"})
    seen = {}
    for language in ("ar", "en"):
        context = _in(browser, base, language)
        page = context.new_page()
        _sign_in(page, base, client_email, PASSWORD)
        page.goto(base + "/info/wifi/", wait_until="networkidle")
        seen[language] = (
            page.evaluate("[document.documentElement.lang, document.documentElement.dir]"),
            page.locator("main .back-arrow").evaluate("arrow => getComputedStyle(arrow).transform"),
        )
        context.close()
    assert seen["ar"] == (["ar", "rtl"], MIRRORED)
    assert seen["en"] == (["en", "ltr"], "none")
