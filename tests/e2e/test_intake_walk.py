"""Issue 19's walk at 375 px: a guest writes in chat and asks for a late check-out through the
owner's form; the operator who serves her sees the badge come up, finds both items in her queue,
answers in the chat, and the guest sees the chat item done under My requests."""

import pytest
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.staff.services import client_assign
from cabinet.work.models import RequestType, WorkRequest
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.conftest import host_of
from tests.e2e.conftest import PHONE, screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_guest_asks_and_the_operator_hears_answers_and_closes(
    module_tenant, live_port, browser, phone, django_db_blocker
):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        owner = User.objects.get(email=module_tenant.owner_email)
        olga = UserFactory(email=f"olga-{module_tenant.pk}@staff.example.com", is_staff=True)
        role_set(user=olga, role=StaffProfile.Role.OPERATOR)
        guest = UserFactory(email=f"gina-{module_tenant.pk}@guest.example.com")
        profile = ClientProfile.objects.create(user=guest)
        client_assign(client=profile, staff=olga, by=owner)
        RequestType.objects.create(
            name="Late check-out", sla_minutes=45, client_requestable=True,
            form_hint="Until what time?", checklist=["Ask housekeeping"],
        )  # fmt: skip
    base = f"http://{host_of(module_tenant)}:{live_port}"
    # 1. the guest writes in chat and asks for a late check-out
    sign_in(phone, base, guest.email, PASSWORD)
    phone.goto(base + "/messages/")
    phone.locator("#chat-body").fill("Could I keep the room until 3 pm?")
    phone.get_by_role("button", name="Send").click()
    phone.goto(base + "/requests/")
    phone.get_by_label("Details").fill("Until 3 pm, please")
    phone.get_by_role("button", name="Send").click()
    assert "Late check-out" in phone.content()
    # 2. the operator on duty sees the badge
    desk_ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    desk = desk_ctx.new_page()
    sign_in(desk, base, olga.email, PASSWORD)
    desk.goto(base + "/staff/")
    badge = desk.locator("#nav-badge-queue-tab")
    badge.wait_for(state="visible", timeout=10_000)
    assert "2" in badge.inner_text()
    assert desk.locator("#nav-badge-messages-tab").is_visible()
    screenshot(desk, "intake-badge-375")
    desk.goto(base + "/staff/queue/")
    assert "Late check-out" in desk.content()
    screenshot(desk, "intake-queue-375")
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # 3. she answers the chat, which closes its item
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        thread_pk = WorkRequest.objects.get(client=profile, type__code="chat").source.split(":")[1]
    desk.goto(base + f"/staff/messages/{thread_pk}/")
    desk.locator("#reply-body").fill("Yes, until 3 pm. Enjoy!")
    desk.get_by_role("button", name="Send").click()
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        chat_item = WorkRequest.objects.get(client=profile, type__code="chat")
        assert chat_item.status == WorkRequest.Status.DONE
        assert chat_item.assignee_id == olga.pk
    # 4. the guest sees where her requests stand
    phone.goto(base + "/requests/")
    assert "Done" in phone.content()
    screenshot(phone, "intake-client-requests-375")
    desk_ctx.close()
