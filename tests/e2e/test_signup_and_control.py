"""Issue 3's walk-through in Chromium: a business signs up and is working in its staff area at
once; a platform admin finds it, enters it with a reason, suspends and restores it."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry, User
from tenants.models import SpareSchema, Tenant, TenantEvent, TenantStatus
from tenants.pool import pool_refill
from tenants.schema_templates import drop_schema
from tenants.services import tenant_destroy
from tests.e2e.conftest import screenshot
from tests.support.totp import current_code

pytestmark = pytest.mark.e2e

ADMIN, ADMIN_PASSWORD = "ops@kabinet.example.com", "ops-pass-for-e2e"
ADMIN_TOTP_SECRET = generate_totp_secret()


@pytest.fixture
def platform(django_db_blocker, live_port):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        admin = User.objects.create_superuser(email=ADMIN, password=ADMIN_PASSWORD)
        EmailAddress.objects.create(user=admin, email=ADMIN, primary=True, verified=True)
        TOTP.activate(admin, ADMIN_TOTP_SECRET)
        pool_refill(vertical="hotel", size=1)
        yield f"http://localhost:{live_port}"
        connection.set_schema_to_public()
        for tenant in Tenant.objects.filter(slug="sunrise"):
            tenant_destroy(tenant=tenant)
        for spare in SpareSchema.objects.all():
            drop_schema(spare.schema_name)
            spare.delete()
        # Deleting a public user would follow tenant-only relations (ClientProfile); platform
        # admins are deactivated, not deleted.
        User.objects.filter(pk=admin.pk).update(
            is_active=False, email="retired-ops@kabinet.invalid"
        )


def test_sunrise_hotel_signs_up_and_an_admin_steers_it(platform, live_port, browser):
    owner = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = owner.new_page()
    # a new user on the platform's page signs up "Sunrise Hotel"
    page.goto(platform + "/signup/")
    page.get_by_label("Business name").fill("Sunrise Hotel")
    page.get_by_label("Cabinet address").fill("sunrise")
    page.wait_for_selector("#slug-status .status-ok")  # checked while typing
    page.get_by_label("Kind of business").select_option("hotel")
    page.get_by_label("Your email").fill("owner@sunrise.example.com")
    page.get_by_label("Password").fill("sunrise over the sea")
    screenshot(page, "signup-phone")
    started = time.monotonic()
    page.get_by_role("button", name="Create my cabinet").click()
    # the new owner lands on the optional step: colours and a logo, or skip
    page.wait_for_url(f"http://sunrise.localhost:{live_port}/staff/branding/start/")
    elapsed = time.monotonic() - started
    screenshot(page, "signup-brand-step-phone")
    page.get_by_role("link", name="Skip for now").click()
    page.wait_for_url(f"http://sunrise.localhost:{live_port}/staff/")
    assert "Hello" in page.locator("h1").inner_text()
    screenshot(page, "signup-staff-home-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert elapsed < 2.0, f"signup to staff area took {elapsed:.2f} s"
    owner.close()

    # a platform admin finds it in the control panel
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    page.goto(platform + "/control/")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # platform admins always give their second factor
    page.get_by_label("Code", exact=True).fill(current_code(ADMIN_TOTP_SECRET))
    screenshot(page, "control-second-factor")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Search").fill("sunrise")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Sunrise Hotel").click()
    screenshot(page, "control-tenant-detail")
    detail_url = page.url
    # enters it as its owner, with a reason
    page.get_by_label("Reason", exact=True).fill("checking the new signup")
    page.get_by_role("button", name="Enter sunrise as owner@sunrise.example.com").click()
    page.wait_for_url(f"http://sunrise.localhost:{live_port}/staff/")
    assert "is working in this cabinet as its owner" in page.locator(".banner").inner_text()
    screenshot(page, "impersonation-banner")
    # suspends it, then restores it
    page.goto(detail_url)
    page.get_by_label("Move to").select_option("suspended")
    page.get_by_label("Reason (goes into both audit logs)").fill("payment dispute")
    page.get_by_role("button", name="Change status").click()
    assert "Suspended" in page.locator("h1 .badge").inner_text()
    page.get_by_label("Move to").select_option("active")
    page.get_by_label("Reason (goes into both audit logs)").fill("dispute resolved")
    page.get_by_role("button", name="Change status").click()
    assert "Active" in page.locator("h1 .badge").inner_text()
    trail = page.locator("table").last.inner_text()
    for expected in ("checking the new signup", "payment dispute", "dispute resolved"):
        assert expected in trail
    screenshot(page, "control-audit-trail")
    admin.close()

    # every step is in the tenant's own audit log too
    tenant = Tenant.objects.get(slug="sunrise")
    assert tenant.status == TenantStatus.ACTIVE
    assert tenant.events.filter(kind=TenantEvent.Kind.IMPERSONATION).count() == 1
    with tenant_context(tenant):
        actions = list(AuditEntry.objects.order_by("at").values_list("action", "reason"))
    assert ("impersonation.started", "checking the new signup") in actions
    assert ("tenant.status_changed", "payment dispute") in actions
    assert ("tenant.status_changed", "dispute resolved") in actions
