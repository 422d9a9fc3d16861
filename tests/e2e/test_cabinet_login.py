import pytest
from django_tenants.utils import tenant_context

from rbac.services import client_create
from tests.conftest import host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "anna@guest.example.com", "sea-breeze-2026"


@pytest.fixture
def guest(module_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        return client_create(
            email=EMAIL, password=PASSWORD, full_name="Anna Guest", email_verified=True
        )


def test_a_client_signs_in_to_the_branded_cabinet_on_a_phone(
    module_tenant, guest, live_port, phone
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    # given the cabinet's home page on a 375 px phone
    phone.goto(base + "/")
    assert phone.locator(".brand-name").inner_text() == module_tenant.name
    primary = phone.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()"
    )
    assert primary.startswith("#")
    # nothing is wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "cabinet-home-phone")
    # when the guest signs in
    phone.get_by_role("link", name="Sign in to your cabinet").click()
    phone.get_by_label("Email").fill(EMAIL)
    phone.get_by_label("Password").fill(PASSWORD)
    screenshot(phone, "cabinet-login-phone")
    phone.get_by_role("button", name="Sign in", exact=True).click()
    # then the cabinet greets her by name
    phone.wait_for_url(base + "/")
    assert "Welcome back, Anna" in phone.locator("h1").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "cabinet-signed-in-phone")


def test_the_cabinet_looks_right_on_a_desktop(module_tenant, live_port, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"http://{host_of(module_tenant)}:{live_port}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "cabinet-home-desktop")
    context.close()


def test_an_unknown_cabinet_says_so_in_the_browser(live_port, phone):
    phone.goto(f"http://nobody.localhost:{live_port}/")
    assert "There is no cabinet here" in phone.locator("h1").inner_text()
    screenshot(phone, "no-such-cabinet-phone")
