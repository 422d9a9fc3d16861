"""Issue 19's "Done when" walk, in one go on 375 px phones: a guest asks in the chat for a late
check-out; Olga, the operator on duty, has chosen email for new work and gets it within seconds
while her badge comes up; from her home she opens the conversation, answers and closes it; seven
minutes later by the server's clock, her KPIs show the item with that response time; the owner
deactivates her, her very next request lands on the sign-in page, and the guest is Ivan's."""

import datetime as dt
import time

import pytest
import time_machine
from celery import current_app
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import Assignment, ClientProfile
from cabinet.staff.services import client_assign
from cabinet.work.models import WorkRequest
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from rbac.services import client_create
from tests.conftest import OWNER_PASSWORD, host_of
from tests.e2e.conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "a long walk along the bay"
RESPONSE_MINUTES = 7


def sign_in(page, base: str, login: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def new_phone(browser):
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True).new_page()


@pytest.fixture
def eager():
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True  # deliveries go out as they are queued
    yield
    current_app.conf.task_always_eager = previous


def test_the_whole_loop_from_a_guests_question_to_offboarding(
    module_tenant, live_port, browser, django_db_blocker, eager
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    slug = module_tenant.pk
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        owner = User.objects.get(email=module_tenant.owner_email)
        team = {}
        for name in ("olga", "ivan"):
            person = User.objects.create_user(
                email=f"{name}-{slug}@staff.example.com", password=PASSWORD,
                full_name=f"{name.title()} Loop", is_staff=True,
            )  # fmt: skip
            person.emailaddress_set.create(email=person.email, primary=True, verified=True)
            role_set(user=person, role=StaffProfile.Role.OPERATOR)
            team[name] = person
        guest = client_create(email=f"gwen-{slug}@guest.example.com", password=PASSWORD,
                              full_name="Gwen Guest", email_verified=True)  # fmt: skip
        profile = ClientProfile.objects.create(user=guest)
        client_assign(client=profile, staff=team["olga"], by=owner)
    olga_user, ivan_user = team["olga"], team["ivan"]
    mail.outbox.clear()

    # Olga, on duty, chooses email for new work (from her account's pages)
    olga = new_phone(browser)
    olga.clock.install()  # her pages' timers run on a clock the walk can move on (step 2)
    sign_in(olga, base, olga_user.email, PASSWORD)
    olga.goto(base + "/accounts/email/")
    olga.get_by_role("link", name="Notifications").click()
    olga.locator("input[name='new_work:email']").check()
    olga.get_by_role("button", name="Save").click()
    olga.goto(base + "/staff/")
    assert "Nothing on your desk." in olga.content()
    screenshot(olga, "loop-1-olga-home-empty")

    # 1. the guest writes in the chat and asks for a late check-out
    gwen = new_phone(browser)
    sign_in(gwen, base, guest.email, PASSWORD)
    gwen.goto(base + "/messages/")
    gwen.locator("#chat-body").fill("Hello! Could I have a late check-out, until 3 pm?")
    sent_at = time.monotonic()
    gwen.get_by_role("button", name="Send").click()
    gwen.wait_for_load_state()
    screenshot(gwen, "loop-2-guest-asks")

    # 2. an email reaches Olga within seconds, and her badge comes up at the next poll (20 s)
    emails = []
    while not emails and time.monotonic() - sent_at < 10:
        emails = [m for m in mail.outbox if olga_user.email in m.to and "New:" in m.subject]
        time.sleep(0.1)
    assert emails, "no email about the new work reached Olga within 10 seconds"
    assert "/staff/queue/" in emails[0].body
    olga.clock.fast_forward("00:20")  # her page's clock on to the next poll, without the wait
    olga.locator("#nav-badge-messages-tab").wait_for(state="visible", timeout=25_000)
    assert olga.locator("#nav-badge-queue-tab").inner_text().startswith("1")
    screenshot(olga, "loop-3-olga-badge")

    # 3. later, by the server's clock, she opens it from her home, answers and closes it
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=RESPONSE_MINUTES), tick=True):
        olga.goto(base + "/staff/")
        waiting = olga.locator("section", has_text="Waiting for an answer")
        assert "Gwen Guest" in waiting.inner_text()
        assert fits(olga)
        screenshot(olga, "loop-4-olga-home")
        waiting.get_by_role("link", name="Gwen Guest").click()
        olga.locator("#reply-body").fill("Of course: the room is yours until 3 pm.")
        olga.get_by_role("button", name="Close the conversation").click()
        olga.wait_for_load_state()
        assert "This conversation is closed." in olga.content()
        with django_db_blocker.unblock(), tenant_context(module_tenant):
            item = WorkRequest.objects.get(client=profile, type__code="chat")
            assert item.status == WorkRequest.Status.DONE
            assert item.assignee_id == olga_user.pk
            minutes = (item.first_response_at - item.created_at).total_seconds() / 60
        assert RESPONSE_MINUTES <= minutes < RESPONSE_MINUTES + 1

        # 4. the item is on her KPIs with that response time
        olga.goto(base + "/staff/kpi/")
        row = olga.locator("tr", has_text="Olga Loop").inner_text().split("\t")
        assert row[1].strip() == "1"  # closed
        assert row[3].strip() == str(round(minutes, 1))  # first response, minutes
        assert fits(olga)
        screenshot(olga, "loop-5-olga-kpis")

        # 5. the owner deactivates her; her very next request is the sign-in page
        boss = new_phone(browser)
        sign_in(boss, base, module_tenant.owner_email, OWNER_PASSWORD)
        boss.goto(base + "/staff/teams/")
        boss.locator("article", has_text=olga_user.email).get_by_role(
            "link", name="Deactivate…"
        ).click()
        boss.get_by_label("Hand their clients and open work to").select_option(label="Ivan Loop")
        boss.get_by_label("Reason (for the audit log)").fill("Left the company")
        assert fits(boss)
        boss.get_by_role("button", name="Deactivate now").click()
        assert "is deactivated" in boss.locator(".flash").inner_text()
        screenshot(boss, "loop-6-owner-deactivated")
        olga.goto(base + "/staff/")
        assert "/accounts/login/" in olga.url

        # 6. her guest is Ivan's now, and he finds her among his clients
        with django_db_blocker.unblock(), tenant_context(module_tenant):
            current = Assignment.objects.get(client=profile, ended_at__isnull=True)
            assert current.staff_id == ivan_user.pk
        ivan = new_phone(browser)
        sign_in(ivan, base, ivan_user.email, PASSWORD)
        ivan.goto(base + "/staff/clients/")
        assert "Gwen Guest" in ivan.content()
        assert fits(ivan)
        screenshot(ivan, "loop-7-ivan-clients")
    for page in (olga, gwen, boss, ivan):
        page.context.close()
