"""Issue 19, point 7: each person's staff home shows their own next actions, chosen by what
they may do (permissions, so an owner's custom role works too), and neither their navigation nor
their home offers a link that answers 403. Lists cost the same queries for two rows or ten."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.chat import general_thread, message_post
from cabinet.orders.models import Order
from cabinet.staff.services import client_assign
from cabinet.staff.work import request_create, request_take
from cabinet.work.models import RequestType, WorkRequest
from rbac.models import StaffProfile, Team, User
from rbac.roles import custom_role_save, permission_catalog, role_set
from tests.conftest import host_of
from tests.factories import UserFactory

Role = StaffProfile.Role


def person(tenant, name: str, role: str, team: Team | None = None, **extra) -> User:
    user = UserFactory(email=f"{name}@{tenant.slug}.example.com", full_name=name.title(),
                       is_staff=True)  # fmt: skip
    role_set(user=user, role=role, team_id=team.pk if team else None, **extra)
    return user


def guest(n: int) -> ClientProfile:
    user = UserFactory(email=f"guest{n}@guests.example.com", full_name=f"Guest Number{n}")
    return ClientProfile.objects.create(user=user)


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def kind() -> RequestType:
    return RequestType.objects.create(name="Towels and taxis", sla_minutes=45)


def test_an_operator_sees_her_work_by_deadline_and_the_chats_waiting_for_her(hotel):
    # given Olga with two items of her own (the later deadline made first) and a guest's message
    with tenant_context(hotel):
        owner = User.objects.get(email=host_owner(hotel))
        olga = person(hotel, "olga", Role.OPERATOR)
        anna, boris = guest(1), guest(2)
        for client in (anna, boris):
            client_assign(client=client, staff=olga, by=owner)
        type_ = kind()
        late = request_create(client=anna, type=type_, title="Taxi at noon")
        soon = request_create(client=boris, type=type_, title="Towels to 12")
        WorkRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() + dt.timedelta(hours=3))
        for work in (late, soon):
            request_take(work=work, staff=olga)
        message_post(thread=general_thread(anna), author=anna.user, body="Is the spa open?")
    # when she opens her home
    page = as_(hotel, olga).get("/staff/").content.decode()
    # then her work comes nearest deadline first, the guest's message waits, nothing else shows
    assert page.index("Towels to 12") < page.index("Taxi at noon")
    assert "Waiting for an answer" in page
    assert "Guest Number1" in page
    assert "team-title" not in page
    assert "setup-title" not in page


def host_owner(tenant) -> str:
    return f"owner@{tenant.slug}.example.com"


def test_an_empty_desk_has_designed_empty_states(hotel):
    with tenant_context(hotel):
        olga = person(hotel, "olga", Role.OPERATOR)
    page = as_(hotel, olga).get("/staff/").content.decode()
    assert "Nothing on your desk." in page
    assert "Every client has an answer." in page
    assert "No arrivals today among your guests." in page
    assert page.count('class="empty-state"') >= 3


def test_a_manager_sees_the_teams_queue_overdue_items_and_who_is_overloaded(hotel):
    # given a team: Mila manages it, Olga holds six open items (two overdue), Ivan one
    with tenant_context(hotel):
        owner = User.objects.get(email=host_owner(hotel))
        team = Team.objects.create(name="Reception")
        mila = person(hotel, "mila", Role.MANAGER, team)
        olga = person(hotel, "olga", Role.OPERATOR, team)
        ivan = person(hotel, "ivan", Role.OPERATOR, team)
        outsider = person(hotel, "otto", Role.OPERATOR)
        type_ = kind()
        for n, holder in enumerate([olga] * 6 + [ivan] + [outsider]):
            client = guest(n)
            client_assign(client=client, staff=holder, by=owner)
            work = request_create(client=client, type=type_, title=f"Item {n} of {holder.email}")
            request_take(work=work, staff=holder)
            if n < 2:
                WorkRequest.objects.filter(pk=work.pk).update(
                    due_at=timezone.now() - dt.timedelta(minutes=5)
                )
    # when Mila opens her home
    page = as_(hotel, mila).get("/staff/").content.decode()
    # then she sees her team's figures, the overdue items and Olga marked overloaded
    team_part = page[page.index('id="team-title"') :]
    assert "<strong>7</strong> open" in team_part
    assert "<strong>2</strong> overdue" in team_part
    assert "Item 0 of olga@" in team_part
    olga_row = team_part[team_part.index("Olga") :]
    assert "overloaded" in olga_row[: olga_row.index("</li>")]
    assert "Otto" not in team_part  # not in her team
    assert "setup-title" not in page  # the business's figures are the owner's


def test_the_home_follows_permissions_not_role_names(hotel):
    # given a custom role that sees every client, and one that sees only assigned ones
    with tenant_context(hotel):
        wide = custom_role_save(name="Night auditor", abilities=["See every client"])
        narrow = custom_role_save(name="Helper", abilities=["Edit client notes and custom fields"])
        auditor = person(hotel, "nina", Role.CUSTOM, custom=wide)
        helper = person(hotel, "hugo", Role.CUSTOM, custom=narrow)
    assert "team-title" in as_(hotel, auditor).get("/staff/").content.decode()
    assert "team-title" not in as_(hotel, helper).get("/staff/").content.decode()


def test_the_owner_sees_the_business_the_setup_checklist_and_alerts(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email=host_owner(hotel))
        client = guest(1)
        Order.objects.create(
            client=client, payment=Order.Payment.ON_SITE, subtotal=Decimal(40),
            total=Decimal(40), currency="EUR", submission_key="home-test-1",
        )  # fmt: skip
        request_create(client=client, type=kind(), title="Overdue one")
        WorkRequest.objects.update(due_at=timezone.now() - dt.timedelta(minutes=1))
        owner.notifications.create(event="sla_warning", title="Due in 5 min: Overdue one",
                                   url="/staff/queue/", dedupe_key="home-test-alert")  # fmt: skip
    page = as_(hotel, owner).get("/staff/").content.decode()
    assert "orders in 30 days" in page
    assert "€40" in page.replace("\xa0", "").replace(" ", "")
    assert "Setting up" in page
    assert "Invite your team" in page
    assert "Alerts" in page
    assert "Due in 5 min: Overdue one" in page
    assert "1 overdue" in page


@pytest.mark.parametrize(("tenant_name", "block"), [
    ("hotel", "Arriving today"), ("shop", "Orders to confirm"),
    ("school", "Attendance to take today"),
])  # fmt: skip
def test_each_kind_of_business_adds_its_own_next_actions(request, tenant_name, block):
    tenant = request.getfixturevalue(tenant_name)
    with tenant_context(tenant):
        operator = person(tenant, "olga", Role.OPERATOR)
    page = as_(tenant, operator).get("/staff/").content.decode()
    assert block in page
    for other in {"Arriving today", "Orders to confirm", "Attendance to take today"} - {block}:
        assert other not in page


def test_todays_arrival_an_order_to_confirm_and_a_lesson_show(hotel, shop, school):
    from cabinet.hotel.services import stay_create
    from cabinet.school.services import class_create, lesson_add

    today = timezone.localdate()
    with tenant_context(hotel):
        owner = User.objects.get(email=host_owner(hotel))
        client = guest(1)
        stay_create(client=client, arrival=today, departure=today + dt.timedelta(days=2), by=owner)
    assert "Guest Number1" in _block(as_(hotel, owner), "today-title")
    with tenant_context(shop):
        owner = User.objects.get(email=host_owner(shop))
        Order.objects.create(client=guest(2), payment=Order.Payment.ON_SITE, subtotal=Decimal(9),
                             total=Decimal(9), submission_key="home-test-2")  # fmt: skip
    assert "Guest Number2" in _block(as_(shop, owner), "confirm-title")
    with tenant_context(school):
        owner = User.objects.get(email=host_owner(school))
        piano = class_create(name="Piano 1", subject="Piano", teacher=None, room="", by=owner)
        lesson_add(school_class=piano, weekday=today.isoweekday(), starts=dt.time(9),
                   ends=dt.time(10), by=owner)  # fmt: skip
    assert "Piano 1" in _block(as_(school, owner), "attendance-title")


def _block(browser: Client, title_id: str) -> str:
    page = browser.get("/staff/").content.decode()
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


ROLES = [Role.ADMIN, Role.MANAGER, Role.OPERATOR, Role.VIEWER, "custom", "owner"]


@pytest.mark.parametrize("tenant_name", ["hotel", "shop", "school"])
def test_every_link_of_every_roles_navigation_and_home_opens(request, tenant_name):
    tenant = request.getfixturevalue(tenant_name)
    with tenant_context(tenant):
        team = Team.objects.create(name="Desk")
        some = custom_role_save(name="Some", abilities=list(permission_catalog())[:4])
        people = {"owner": User.objects.get(email=host_owner(tenant))}
        for role in ROLES[:-1]:
            extra = {"custom": some} if role == "custom" else {}
            people[role] = person(tenant, f"r{role}", Role.CUSTOM if role == "custom" else role,
                                  team if role == Role.MANAGER else None, **extra)  # fmt: skip
    for role, user in people.items():
        browser = as_(tenant, user)
        page = browser.get("/staff/").content.decode()
        links = set(re.findall(r'href="(/[^"#?]*)', page)) - {"/static/"}
        links = {link for link in links if not link.startswith(("/static/", "/media/"))}
        assert "/staff/queue/" in links
        refused = {}
        for link in sorted(links):
            status = browser.get(link).status_code
            if status in (403, 404) or status >= 500:
                refused[link] = status
        assert refused == {}, f"{role} on {tenant_name}: {refused}"


def _home_queries(browser: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/staff/").status_code == 200
    return len([q for q in queries.captured_queries if not q["sql"].startswith("SET search_path")])


@pytest.mark.parametrize("role", ["owner", Role.MANAGER, Role.OPERATOR])
def test_the_home_costs_the_same_queries_for_two_items_or_ten(hotel, role):
    with tenant_context(hotel):
        owner = User.objects.get(email=host_owner(hotel))
        team = Team.objects.create(name="Desk")
        viewer = owner if role == "owner" else person(hotel, "vera", role, team)
        holder = person(hotel, "olga", Role.OPERATOR, team)
        type_ = kind()

        def add(n: int) -> None:
            client = guest(n)
            client_assign(client=client, staff=holder if n % 2 else viewer, by=owner)
            work = request_create(client=client, type=type_, title=f"Item {n}")
            request_take(work=work, staff=holder if n % 2 else viewer)
            message_post(thread=general_thread(client), author=client.user, body="Hello")

        for n in range(2):
            add(n)
    browser = as_(hotel, viewer)
    browser.get("/staff/")  # warm the per-process caches (branding, policy)
    few = _home_queries(browser)
    with tenant_context(hotel):
        for n in range(2, 10):
            add(n)
    assert _home_queries(browser) == few
