"""The owner's API-key editor on a phone, in Arabic (right to left): the school's own scopes are
offered beside the core's, in the owner's language, and a key made with one of them works on
the school's endpoint and nowhere its scope does not reach."""

import re

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import User
from tests.conftest import OWNER_PASSWORD, committed_tenant_for, host_of
from tests.e2e.conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def school_tenant(django_db_blocker):
    with committed_tenant_for(django_db_blocker, "school") as tenant:
        yield tenant


def test_the_owner_makes_a_school_key_in_arabic_on_a_phone(
    school_tenant, django_db_blocker, live_port, browser
):
    # given: the school's owner reads the back office in Arabic
    with django_db_blocker.unblock(), tenant_context(school_tenant):
        User.objects.filter(email=school_tenant.owner_email).update(language="ar")
    base = f"http://{host_of(school_tenant)}:{live_port}"
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(school_tenant.owner_email)
    page.locator("input[name=password]").fill(OWNER_PASSWORD)
    page.locator("form button[type=submit]").first.click()

    # when
    page.goto(base + "/staff/api-keys/")
    direction = page.evaluate("document.documentElement.dir")
    offered = page.locator("input[name=scopes]").evaluate_all("els => els.map(e => e.value)")
    page.locator("input[name=name]").fill("SIS")
    page.locator("input[name=scopes][value='school:read']").check()
    screenshot(page, "api-keys-school-ar")
    page.locator("form:has(input[name=scopes]) button[type=submit]").click()
    key = re.search(r"kab_[0-9a-f]{8}_[\w-]{20,}", page.locator("#new-key").inner_text()).group(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "api-keys-school-ar-made")
    context.close()

    # then
    assert direction == "rtl"
    assert width <= PHONE["width"]
    assert {"school:read", "school:write", "clients:read"} <= set(offered)
    assert not {"stays:read", "shipments:read"} & set(offered)
    api = Client(HTTP_HOST=host_of(school_tenant), HTTP_AUTHORIZATION=f"Api-Key {key}")
    with django_db_blocker.unblock():
        assert api.get("/api/v1/staff/classes/").status_code == 200
        assert api.get("/api/v1/staff/clients/").status_code == 403
