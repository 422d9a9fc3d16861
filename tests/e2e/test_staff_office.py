"""Issue 5's walk-through: the owner invites an operator and assigns her two of fifty clients;
she sees exactly those two with phones masked, reveals one phone with a reason, runs into her
read quota on a loop of ids, and the owner sees it all in the audit log and on the KPI chart."""

import re

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.staff.work import request_create
from cabinet.work.models import RequestType
from rbac.models import User
from tests.conftest import OWNER_PASSWORD, host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def fifty_clients(module_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        clients = [
            ClientProfile.objects.create(
                user=User.objects.create_user(email=f"c{n}-{module_tenant.pk}@guest.example.com",
                                              password=None, full_name=f"Guest Number{n:02d}"),
                phone=f"+44 20 7946 {n:04d}",
            )
            for n in range(50)
        ]  # fmt: skip
        kind = RequestType.objects.create(
            name="Question from e2e", sla_minutes=60, checklist=["Answer"]
        )
        request_create(client=clients[7], type=kind, title="Where is breakfast?")
    return clients


def test_the_owner_invites_an_operator_who_sees_only_her_two_clients(
    module_tenant, fifty_clients, live_port, browser, phone, eager_tasks, django_db_blocker
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    owner_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    owner = owner_ctx.new_page()
    owner.goto(base + "/accounts/login/")
    owner.get_by_label("Email").fill(module_tenant.owner_email)
    owner.get_by_label("Password").fill(OWNER_PASSWORD)
    owner.get_by_role("button", name="Sign in", exact=True).click()
    # invite Olga as an operator
    mail.outbox.clear()
    owner.goto(base + "/staff/team/")
    owner.locator("#id_email").fill("olga@staff.example.com")
    owner.locator("#id_full_name").fill("Olga Operator")
    owner.get_by_role("button", name="Send invitation").click()
    (link,) = re.findall(r"http://\S+/staff/join/\S+/", mail.outbox[-1].body)
    phone.goto(link.replace(f"http://{host_of(module_tenant)}", base))
    phone.get_by_label("Choose a password").fill("olga at the front desk")
    phone.get_by_role("button", name="Join").click()
    assert phone.url.endswith("/staff/")
    # the owner assigns her two of the fifty, and sets her quota to one record an hour
    for client in (fifty_clients[3], fifty_clients[7]):
        owner.goto(f"{base}/staff/clients/{client.pk}/")
        owner.get_by_label("Assign to").select_option(label="Olga Operator")
        owner.get_by_role("button", name="Assign", exact=True).click()
    owner.goto(base + "/staff/team/")
    row = owner.locator("article", has_text="olga@staff.example.com")
    row.locator("input[name=read_quota_per_hour]").fill("1")
    row.get_by_role("button", name="Save").click()
    # Olga sees exactly those two, phones masked
    phone.goto(base + "/staff/clients/")
    listed = phone.locator(".client-row").all_inner_texts()
    assert len(listed) == 2
    assert any("Guest Number03" in text for text in listed)
    assert any("Guest Number07" in text for text in listed)
    assert "7946 0003" not in phone.content()
    screenshot(phone, "staff-1-my-two-clients")
    # she reveals one phone, with a reason
    phone.goto(f"{base}/staff/clients/{fifty_clients[7].pk}/")
    phone.locator("summary", has_text="Show a field").click()
    phone.locator("#reveal-field").select_option("phone")
    phone.locator("#reveal-reason").fill("calling back about breakfast")
    phone.get_by_role("button", name="Show", exact=True).click()
    phone.wait_for_selector(".revealed-value")
    assert phone.locator(".revealed-value").inner_text() == "+44 20 7946 0007"
    screenshot(phone, "staff-2-revealed")
    # she answers the request in her queue
    phone.goto(base + "/staff/queue/")
    phone.get_by_role("link", name=re.compile("Where is breakfast")).click()
    phone.get_by_role("button", name="Take it").click()
    phone.get_by_role("button", name="Mark answered").click()
    phone.get_by_role("button", name="Close").click()
    # a crafted loop over ids: other people's are 404, and her second record is over quota
    codes = [phone.goto(f"{base}/staff/clients/{c.pk}/").status for c in fifty_clients[:10]]
    assert codes.count(429) == 1  # Guest Number03, the second distinct record this hour
    assert codes.count(404) == 8
    # the owner sees it all
    owner.goto(base + "/staff/audit/?actor=olga")
    trail = owner.locator("table").inner_text()
    assert "client.revealed" in trail
    assert "calling back about breakfast" in trail
    assert "staff.read_quota_exceeded" in trail
    screenshot(owner, "staff-3-audit-log")
    owner.goto(base + "/staff/kpi/")
    assert "Olga Operator" in owner.locator("main").inner_text()  # the figures and their tables
    screenshot(owner, "staff-4-kpi")
    owner_ctx.close()
