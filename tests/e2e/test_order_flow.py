"""Issue 6's walk-through on a phone: browse services, order champagne paying from the balance,
staff accept it, the guest sees the new status and downloads the receipt (its text checked)."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from cabinet.accounts.models import ClientProfile
from cabinet.wallet.services import wallet_top_up
from rbac.models import User
from rbac.services import client_create
from tests.conftest import host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "olivia@guest.example.com", "champagne on the terrace"


@pytest.fixture
def funded_guest(module_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        user = client_create(
            email=EMAIL, password=PASSWORD, full_name="Olivia Guest", email_verified=True
        )
        wallet_top_up(client=ClientProfile.objects.create(user=user), amount=Decimal("100.00"))
    return user


def test_order_room_service_pay_from_balance_and_download_the_receipt(
    module_tenant, funded_guest, live_port, phone, browser, eager_tasks
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    phone.goto(base + "/accounts/login/")
    phone.get_by_label("Email").fill(EMAIL)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    # browse services: what is free and what costs money
    phone.get_by_role("link", name="Services").click()
    assert phone.locator(".badge-active", has_text="Free").count() >= 1
    screenshot(phone, "order-1-services")
    phone.get_by_label("Quantity of Bottle of champagne").fill("1")
    phone.get_by_label("How will you pay?").select_option("balance")
    phone.get_by_role("button", name="Review my order").click()
    assert "45.00" in phone.locator(".total").inner_text()
    screenshot(phone, "order-2-review")
    phone.get_by_role("button", name="Confirm and pay €45.00").click()
    assert "New" in phone.locator("#order-status").inner_text()
    order_url = phone.url
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "order-3-placed")
    # the owner accepts it in the back office
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    desk.goto(base + "/accounts/login/")
    desk.get_by_label("Email").fill(module_tenant.owner_email)
    desk.get_by_label("Password").fill("owner-pass-4-tests")
    desk.get_by_role("button", name="Sign in", exact=True).click()
    desk.goto(base + "/staff/orders/")
    desk.get_by_role("button", name="Accept").first.click()
    screenshot(desk, "order-4-staff-accepts")
    staff.close()
    # the guest sees it, and the receipt
    phone.goto(order_url)
    assert "Accepted" in phone.locator("#order-status").inner_text()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Receipt (PDF)").click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert "Bottle of champagne" in text
    assert "45.00" in text
    screenshot(phone, "order-5-accepted")
    with tenant_context(module_tenant):
        assert User.objects.get(email=EMAIL).client_profile.wallet.balance == Decimal("55.00")
