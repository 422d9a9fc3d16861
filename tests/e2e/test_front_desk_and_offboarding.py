"""Issue 19's teams, front desk and offboarding, walked on a 375 px phone: the owner makes a
team with Olga in it; Olga creates a guest at the front desk and prints her slip; the guest
opens her cabinet with the code; the owner deactivates Olga, whose next click is the sign-in
page, and her guest is her colleague's. In English and in Russian; nothing wider than the
screen."""

import re

import pytest
from django_tenants.utils import tenant_context

from cabinet.accounts.models import Assignment
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.conftest import OWNER_PASSWORD, host_of
from tests.e2e.conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e

OLGA_PASSWORD = "olga at the front desk"


def sign_in(page, base: str, login: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_front_desk_slip_welcome_and_offboarding_at_375_px(
    module_tenant, live_port, browser, django_db_blocker
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        olga = User.objects.create_user(email=f"olga-{module_tenant.pk}@staff.example.com",
                                        password=OLGA_PASSWORD, full_name="Olga Operator",
                                        is_staff=True)  # fmt: skip
        ivan = User.objects.create_user(email=f"ivan-{module_tenant.pk}@staff.example.com",
                                        password=OLGA_PASSWORD, full_name="Ivan Colleague",
                                        is_staff=True)  # fmt: skip
        for person in (olga, ivan):
            role_set(user=person, role=StaffProfile.Role.OPERATOR)
            person.emailaddress_set.create(email=person.email, primary=True, verified=True)
    owner_ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    owner = owner_ctx.new_page()
    sign_in(owner, base, module_tenant.owner_email, OWNER_PASSWORD)
    # the owner makes a team and puts Olga in it
    owner.goto(base + "/staff/teams/")
    owner.locator("input[name=name]").fill("Front desk")
    owner.get_by_role("button", name="Create").click()
    row = owner.locator("article", has_text=olga.email)
    row.locator("select[name=team]").select_option(label="Front desk")
    row.get_by_role("button", name="Save").click()
    assert "Olga Operator" in owner.locator("section.card").first.inner_text()
    assert fits(owner)
    screenshot(owner, "teams-1-owner-teams")
    # Olga, at the desk on her phone, creates a guest with only a phone and prints her slip
    desk_ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    desk = desk_ctx.new_page()
    sign_in(desk, base, olga.email, OLGA_PASSWORD)
    desk.get_by_text("More", exact=True).click()  # on a phone the rest of the menu is a sheet
    desk.get_by_role("link", name="Front desk").click()
    desk.get_by_label("Name").fill("Jane Guest")
    desk.get_by_label("Phone").fill("+44 7911 123456")
    desk.get_by_role("button", name="Create the client").click()
    assert desk.locator(".slip").is_visible()
    code = desk.locator(".slip-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "/welcome/" in desk.locator(".slip").inner_text()
    assert fits(desk)
    screenshot(desk, "teams-2-login-slip")
    desk.emulate_media(media="print")
    assert not desk.locator(".topbar").is_visible()  # the slip alone on paper
    screenshot(desk, "teams-3-login-slip-print")
    desk.emulate_media(media="screen")
    # the guest opens the address on her phone, types the login and the code, and is in
    guest_ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    guest = guest_ctx.new_page()
    guest.goto(base + "/welcome/")
    guest.get_by_label("Email or phone").fill("+44 7911 123456")
    guest.get_by_label("One-time code").fill(code)
    guest.get_by_label("Choose a password").fill("jane has a long passphrase")
    assert fits(guest)
    screenshot(guest, "teams-4-welcome")
    guest.get_by_role("button", name="Open my cabinet").click()
    guest.wait_for_load_state()
    assert guest.url == base + "/"
    screenshot(guest, "teams-5-guest-home")
    # the owner deactivates Olga and hands her guest to Ivan
    owner.goto(base + "/staff/teams/")
    owner.locator("article", has_text=olga.email).get_by_role("link", name="Deactivate…").click()
    owner.get_by_label("Hand their clients and open work to").select_option(label="Ivan Colleague")
    owner.get_by_label("Reason (for the audit log)").fill("Left the company")
    assert fits(owner)
    screenshot(owner, "teams-6-deactivate")
    owner.get_by_role("button", name="Deactivate now").click()
    assert "is deactivated" in owner.locator(".flash").inner_text()
    # Olga's very next click is the sign-in page
    desk.goto(base + "/staff/clients/")
    assert "/accounts/login/" in desk.url
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        jane = Assignment.objects.get(client__user__phone="+447911123456", ended_at__isnull=True)
        assert jane.staff == ivan
    # in Russian, the owner's pages speak Russian and still fit
    owner_ctx.add_cookies([{"name": "django_language", "value": "ru", "url": base}])
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        User.objects.filter(email=module_tenant.owner_email).update(language="ru")
    owner.goto(base + "/staff/teams/")
    assert "Команды и клиенты" in owner.content()
    assert fits(owner)
    screenshot(owner, "teams-7-owner-teams-ru")
    owner.goto(base + "/staff/front-desk/")
    assert "Новый клиент" in owner.content()
    assert fits(owner)
    screenshot(owner, "teams-8-front-desk-ru")
    for context in (owner_ctx, desk_ctx, guest_ctx):
        context.close()
