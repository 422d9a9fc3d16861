"""Alerts: staff hear of new work they may see (a live badge in the navigation and the channels
each chose, quiet hours respected), the manager hears when an SLA is about to be missed, each
person has "My work" ordered by deadline, and two staff taking the same item at once leave
exactly one holder."""

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.chat import general_thread, message_post
from cabinet.notifications.models import Delivery, Notification, NotificationSettings
from cabinet.staff.services import client_assign
from cabinet.staff.work import request_take, requests_sla_warn
from cabinet.work.intake import work_open
from cabinet.work.models import WorkRequest
from rbac.models import StaffProfile, Team, User
from rbac.roles import role_set
from tests.factories import UserFactory


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def floor(hotel):
    """Olga (operator in the front team, managed by Mia) serves Greta; Petr serves nobody."""
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        team = Team.objects.create(name="Front")
        olga = UserFactory(email="olga@hotel.example.com", is_staff=True)
        role_set(user=olga, role=StaffProfile.Role.OPERATOR, team_id=team.pk)
        mia = UserFactory(email="mia@hotel.example.com", is_staff=True)
        role_set(user=mia, role=StaffProfile.Role.MANAGER, team_id=team.pk)
        petr = UserFactory(email="petr@hotel.example.com", is_staff=True)
        role_set(user=petr, role=StaffProfile.Role.OPERATOR)
        greta = ClientProfile.objects.create(user=UserFactory(full_name="Greta Guest"))
        client_assign(client=greta, staff=olga, by=owner)
    return {"owner": owner, "olga": olga, "mia": mia, "petr": petr, "greta": greta}


def test_the_badge_counts_new_work_and_unread_messages_of_those_who_may_see_them(hotel, floor):
    # given Greta writes twice
    with tenant_context(hotel):
        thread = general_thread(floor["greta"])
        message_post(thread=thread, author=floor["greta"].user, body="Late check-out?")
        message_post(thread=thread, author=floor["greta"].user, body="Please")
    # when Olga's navigation polls for its badges
    olga = as_(hotel, floor["olga"])
    with CaptureQueriesContext(connection) as first:
        badges = olga.get("/staff/badges/")
    # then the queue and the messages show one each, in every place the item is drawn
    page = badges.content.decode()
    assert badges.status_code == 200
    assert page.count('id="nav-badge-queue-') == 3
    assert 'id="nav-badge-queue-tab" hx-swap-oob="true"><span class="visually-hidden">1 new' in page
    assert 'id="nav-badge-messages-side" hx-swap-oob="true"><span' in page
    # Petr, who does not see Greta, gets nothing; the owner sees everything
    assert "1 new" not in as_(hotel, floor["petr"]).get("/staff/badges/").content.decode()
    assert "1 new" in as_(hotel, floor["owner"]).get("/staff/badges/").content.decode()
    # and the count costs the same number of queries however much work there is
    with tenant_context(hotel):
        for n in range(5):
            more = ClientProfile.objects.create(user=UserFactory())
            client_assign(client=more, staff=floor["olga"], by=floor["owner"])
            message_post(thread=general_thread(more), author=more.user, body=f"Hi {n}")
    with CaptureQueriesContext(connection) as second:
        assert "6 new" in olga.get("/staff/badges/").content.decode()
    assert len(second) == len(first) <= 20
    # and every staff page polls the endpoint and keeps the navigation's structure
    queue = olga.get("/staff/queue/").content.decode()
    assert 'hx-get="/staff/badges/"' in queue
    assert 'id="nav-badge-queue-side"' in queue
    # clients and strangers cannot read it
    assert as_(hotel, floor["greta"].user).get("/staff/badges/").status_code in (302, 403, 404)


def test_new_work_reaches_the_chosen_channels_after_quiet_hours(hotel, floor):
    with tenant_context(hotel):
        NotificationSettings.objects.create(
            user=floor["olga"], channels={"new_work": ["in_app", "email"]},
            quiet_from=dt.time(0, 0), quiet_until=dt.time(23, 59),
        )  # fmt: skip
        work = work_open(client=floor["greta"], kind="form", source="test:1", title="Taxi")
        note = Notification.objects.get(user=floor["olga"], event="new_work")
        assert note.url == f"/staff/queue/{work.pk}/"
        (email,) = Delivery.objects.filter(notification=note, channel="email")
        assert email.not_before > note.created_at  # held until her quiet hours end
        # the same item does not alert twice
        work_open(client=floor["greta"], kind="form", source="test:1", title="Taxi")
        assert Notification.objects.filter(user=floor["olga"], event="new_work").count() == 1


def test_the_manager_hears_when_her_teams_sla_is_about_to_be_missed(hotel, floor):
    with tenant_context(hotel):
        work = work_open(client=floor["greta"], kind="chat", source="test:2", title="Help")
    with time_machine.travel(work.due_at - dt.timedelta(minutes=10)), tenant_context(hotel):
        # nobody holds it: the manager of Greta's person's team hears, not the owner
        assert requests_sla_warn() == 1
        assert Notification.objects.filter(user=floor["mia"], event="sla_warning").exists()
        assert not Notification.objects.filter(user=floor["owner"], event="sla_warning").exists()
        assert requests_sla_warn() == 0  # idempotent: the beat may run it again


def test_my_work_lists_what_i_hold_by_deadline(hotel, floor):
    with tenant_context(hotel):
        later = work_open(client=floor["greta"], kind="form", source="t:a", title="Later one")
        sooner = work_open(client=floor["greta"], kind="chat", source="t:b", title="Sooner one")
        WorkRequest.objects.filter(pk=later.pk).update(due_at=sooner.due_at + dt.timedelta(hours=1))
        for work in (later, sooner):
            request_take(work=work, staff=floor["olga"])
    page = as_(hotel, floor["olga"]).get("/staff/queue/?mine=1").content.decode()
    assert "My work" in page
    assert page.index("Sooner one") < page.index("Later one")
    assert (
        "Sooner one" not in as_(hotel, floor["petr"]).get("/staff/queue/?mine=1").content.decode()
    )


def test_two_staff_take_the_same_item_and_exactly_one_gets_it(module_tenant, django_db_blocker):
    # given one new item, committed, and two operators who may both see its client
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        tag = uuid.uuid4().hex[:8]
        racers = []
        for n in range(2):
            person = User.objects.create_user(email=f"r{n}-{tag}@example.com", password="p",
                                              is_staff=True)  # fmt: skip
            role_set(user=person, role=StaffProfile.Role.ADMIN)
            racers.append(person.pk)
        client = ClientProfile.objects.create(
            user=User.objects.create_user(email=f"c-{tag}@example.com", password="p")
        )
        work = work_open(client=client, kind="form", source=f"race:{tag}", title="Race")

    def take(pk: int) -> str:
        try:
            with django_db_blocker.unblock(), tenant_context(module_tenant):
                request_take(work=WorkRequest.objects.get(pk=work.pk),
                             staff=User.objects.get(pk=pk))  # fmt: skip
            return "took"
        except ValidationError:
            return "refused"
        finally:
            connections.close_all()

    # when both take it at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(take, racers))
    # then exactly one holds it
    assert sorted(results) == ["refused", "took"]
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        assert WorkRequest.objects.get(pk=work.pk).assignee_id in racers
