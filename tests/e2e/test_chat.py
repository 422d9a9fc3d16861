"""Issue 7's chat walk-through: a guest writes "Where is breakfast?", an operator answers, and
the guest sees the answer appear without reloading."""

import pytest
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.staff.services import client_assign
from rbac.models import User
from rbac.roles import role_set
from rbac.services import client_create
from tests.conftest import host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def guest_and_operator(module_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        guest = client_create(email="breakfast@guest.example.com", password="hungry in the morning",
                              full_name="Hanna Hungry", email_verified=True)  # fmt: skip
        operator = client_create(email="oper@staff.example.com", password="at the front desk",
                                 full_name="Otto Operator", email_verified=True)  # fmt: skip
        User.objects.filter(pk=operator.pk).update(is_staff=True)
        operator.refresh_from_db()
        role_set(user=operator, role="operator")
        owner = User.objects.get(email=module_tenant.owner_email)
        client_assign(client=ClientProfile.objects.create(user=guest), staff=operator, by=owner)


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_the_guest_sees_the_answer_appear_without_reloading(
    module_tenant, guest_and_operator, live_port, phone, browser
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    sign_in(phone, base, "breakfast@guest.example.com", "hungry in the morning")
    phone.goto(base + "/messages/")
    phone.get_by_label("Your message").fill("Where is breakfast?")
    phone.get_by_role("button", name="Send").click()
    assert "Where is breakfast?" in phone.locator(".chat").inner_text()
    loaded_at = phone.evaluate("performance.timeOrigin")
    # the operator answers from the back office
    desk_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = desk_ctx.new_page()
    sign_in(desk, base, "oper@staff.example.com", "at the front desk")
    desk.goto(base + "/staff/messages/")
    desk.get_by_role("link", name="Hanna Hungry").click()
    desk.get_by_label("Your answer").fill("In the main restaurant, 7:00 to 10:30.")
    desk.get_by_role("button", name="Send", exact=True).click()
    desk_ctx.close()
    # the guest's page shows it without a reload
    phone.locator(".bubble-staff", has_text="In the main restaurant").wait_for(timeout=10_000)
    assert phone.evaluate("performance.timeOrigin") == loaded_at
    screenshot(phone, "chat-answer-arrived")
