"""The most used pages, client and staff, of the three verticals, looked at as a person would:
at 375 px and at 1280 px, in English and in Russian. Each page must not scroll sideways, must
have no serious or critical accessibility violation (axe-core, from npm), and must transfer less
than 200 KB on a first load, fonts included, from our own origin only. Screenshots of every page
land in test-artifacts/e2e/looks/ for a person to look at."""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.branding.services import branding_update
from cabinet.demo.pictures import demo_pictures_seed
from cabinet.demo.seed import demo_tenants
from cabinet.memberships.demo import seed_demo_plans
from cabinet.verticals import loaded, vertical_named
from cabinet.wallet.services import wallet_top_up
from rbac.models import User
from rbac.services import client_create
from tests.conftest import OWNER_PASSWORD, committed_tenant_for, host_of
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
AXE_VERSION = "4.14.1"
NODE_DIR = Path(settings.BASE_DIR) / ".data" / "node"
PASSWORD = "looking at every page"
BUDGET_BYTES = 200 * 1024
WIDTHS = (375, 1280)

CLIENT_PAGES = {
    "hotel": ["/", "/stay/", "/services/", "/events/", "/orders/", "/wallet/",
                     "/messages/", "/account/", "/memberships/", "/map/", "/info/"],
    "shop": ["/", "/services/", "/orders/", "/returns/", "/wallet/"],
    "school": ["/", "/children/", "/events/", "/messages/"],
}  # fmt: skip
STAFF_PAGES = [
    "/staff/",
    "/staff/queue/",
    "/staff/clients/",
    "/staff/kpi/",
    "/staff/orders/",
    "/staff/memberships/",
    "/staff/content/events/",
]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, installed once into .data/node."""
    script = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is needed to fetch axe-core for the accessibility check"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR),
             f"axe-core@{AXE_VERSION}"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return script.read_text()


@pytest.fixture(scope="module")
def cabinets(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict]:
    """A cabinet of each vertical with the demo's content and one client."""
    made = {}
    with django_db_blocker.unblock():
        contexts = [committed_tenant_for(django_db_blocker, v) for v in CLIENT_PAGES]
        try:
            for vertical, context in zip(CLIENT_PAGES, contexts, strict=True):
                tenant = context.__enter__()
                with tenant_context(tenant):
                    owner = User.objects.get(is_superuser=True)
                    user = client_create(email=f"client@{vertical}.example.com",
                                         password=PASSWORD, full_name="Maria Petrova",
                                         email_verified=True)  # fmt: skip
                    profile = ClientProfile.objects.create(user=user)
                    wallet_top_up(client=profile, amount=Decimal("100.00"))
                    # the demo's own look: colours, fonts, logo, cover and pictures
                    look = next(d.look for d in demo_tenants() if d.vertical == vertical)
                    demo = loaded(vertical_named(vertical).demo_seed)
                    if demo:
                        demo(guest=profile, owner=owner, password=PASSWORD)
                    seed_demo_plans(vertical)
                    demo_pictures_seed(vertical=vertical, branding=branding_update(**look))
                made[vertical] = (tenant, user.email, owner.email)
            yield made
        finally:
            for context in contexts:
                context.__exit__(None, None, None)


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form[action*='login'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def _look(page: Any, axe: str, url: str, name: str) -> list[str]:
    """Open `url` as a first visit would (nothing cached) and say what is wrong with it."""
    response = page.goto(url, wait_until="networkidle")
    problems = []
    if response is None or response.status >= 400:
        return [f"{name}: answered {response.status if response else 'nothing'}"]
    width = page.viewport_size["width"]
    if page.evaluate("document.documentElement.scrollWidth") > width:
        problems.append(f"{name}: scrolls sideways at {width} px")
    sizes = page.evaluate(
        "() => [performance.getEntriesByType('navigation')[0].transferSize,"
        " ...performance.getEntriesByType('resource').map(r => r.transferSize)]"
    )
    origins = page.evaluate(
        "() => performance.getEntriesByType('resource').map(r => new URL(r.name).origin)"
    )
    if sum(sizes) > BUDGET_BYTES:
        problems.append(f"{name}: {sum(sizes) // 1024} KB on a first load")
    foreign = {origin for origin in origins if origin != page.evaluate("location.origin")}
    if foreign:
        problems.append(f"{name}: loads from {sorted(foreign)}")
    page.evaluate(axe)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.nodes.length + '): ' + v.nodes[0].target.join(' '))"
    )
    problems += [f"{name}: {violation}" for violation in found]
    folder = ARTIFACTS / "looks"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_most_used_pages_fit_read_and_stay_small(
    cabinets, browser, live_port, axe_source, language
):
    problems: list[str] = []
    widths = WIDTHS if language == "en" else (375,)
    for vertical, (tenant, client_email, owner_email) in cabinets.items():
        base = f"http://{host_of(tenant)}:{live_port}"
        for who, email, password, pages in (
            ("client", client_email, PASSWORD, CLIENT_PAGES[vertical]),
            ("staff", owner_email, OWNER_PASSWORD, STAFF_PAGES),
        ):
            for width in widths:
                # a fresh context per person and width: every page is a first load
                context = browser.new_context(viewport={"width": width, "height": 900},
                                              bypass_csp=True, locale=language)  # fmt: skip
                context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                                      "url": base}])  # fmt: skip
                page = context.new_page()
                _sign_in(page, base, email, password)
                for path in pages:
                    slug = path.strip("/").replace("/", "-") or "home"
                    name = f"{vertical}-{who}-{slug}-{language}-{width}"
                    fresh = context.browser.new_context(
                        viewport={"width": width, "height": 900}, bypass_csp=True,
                        storage_state=context.storage_state(),
                    )  # fmt: skip
                    problems += _look(fresh.new_page(), axe_source, base + path, name)
                    fresh.close()
                context.close()
    (ARTIFACTS / "looks").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "looks" / f"problems-{language}.json").write_text(json.dumps(problems, indent=1))
    assert not problems, "\n".join(problems)
