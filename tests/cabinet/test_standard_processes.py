"""Standard processes are the owner's: request types (SLA, steps, whether clients may ask for
them), canned answers per language, staff notes on clients (by permission, audited), and the
KPI page's "where processes slow down", per request type and per step."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.chat import general_thread, message_post
from cabinet.messaging.models import CannedAnswer
from cabinet.staff.services import client_assign
from cabinet.staff.work import request_check, request_close, request_take
from cabinet.work.intake import work_open
from cabinet.work.models import RequestType
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def people(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        olga = UserFactory(email="olga@hotel.example.com", is_staff=True)
        role_set(user=olga, role=StaffProfile.Role.OPERATOR)
        petr = UserFactory(email="petr@hotel.example.com", is_staff=True)
        role_set(user=petr, role=StaffProfile.Role.OPERATOR)
        vera = UserFactory(email="vera@hotel.example.com", is_staff=True)
        role_set(user=vera, role=StaffProfile.Role.VIEWER)
        greta = ClientProfile.objects.create(user=UserFactory(full_name="Greta", language="ru"))
        client_assign(client=greta, staff=olga, by=owner)
        client_assign(client=greta, staff=olga, by=owner)
    return {"owner": owner, "olga": olga, "petr": petr, "vera": vera, "greta": greta}


def test_the_owner_defines_a_request_type_clients_can_ask_for(hotel, people):
    owner = as_(hotel, people["owner"])
    form = {
        "name": "Book a taxi",
        "sla_minutes": "20",
        "checklist": "Call the taxi\n\n Tell the guest ",
        "client_requestable": "on",
        "form_hint": "Where to, and when?",
    }
    # bad input is answered on the form, not saved
    assert (
        owner.post("/staff/content/request-types/new/", {**form, "sla_minutes": "1"}).status_code
        == 400
    )
    assert (
        owner.post("/staff/content/request-types/new/", {**form, "sla_minutes": "x"}).status_code
        == 400
    )
    assert owner.post("/staff/content/request-types/new/", form).status_code == 302
    with tenant_context(hotel):
        taxi = RequestType.objects.get(name="Book a taxi")
        assert taxi.checklist == ["Call the taxi", "Tell the guest"]
        assert taxi.sla_minutes == 20
        assert AuditEntry.objects.filter(
            actor=people["owner"], action="request-types.created"
        ).exists()
    assert "Request types" in owner.get("/staff/").content.decode()
    assert (
        "Where to, and when?" in as_(hotel, people["greta"].user).get("/requests/").content.decode()
    )
    # an operator cannot change the business's processes, nor see the editor in her navigation
    olga = as_(hotel, people["olga"])
    assert olga.post(f"/staff/content/request-types/{taxi.pk}/", form).status_code == 403
    assert "Request types" not in olga.get("/staff/").content.decode()


def test_canned_answers_follow_the_clients_language(hotel, people):
    with tenant_context(hotel):
        CannedAnswer.objects.create(title="Hello EN", body="Hello!", language="en")
        CannedAnswer.objects.create(title="Privet RU", body="Привет!", language="ru")
        CannedAnswer.objects.create(title="Any language", body=":)")
        thread = general_thread(people["greta"])
        message_post(thread=thread, author=people["greta"].user, body="Добрый день")
    page = as_(hotel, people["olga"]).get(f"/staff/messages/{thread.pk}/").content.decode()
    assert "Privet RU" in page
    assert "Any language" in page
    assert "Hello EN" not in page


def test_notes_are_edited_by_those_allowed_and_audited(hotel, people):
    greta = people["greta"]
    url = f"/staff/clients/{greta.pk}/notes/"
    # her operator writes a note
    assert (
        as_(hotel, people["olga"]).post(url, {"notes": "Allergic to feathers"}).status_code == 303
    )
    # an operator who does not serve Greta gets a 404; a viewer without the permission a refusal
    assert as_(hotel, people["petr"]).post(url, {"notes": "x"}).status_code == 404
    assert (
        as_(hotel, people["olga"])
        .post("/staff/clients/999999999/notes/", {"notes": "x"})
        .status_code
        == 404
    )
    with tenant_context(hotel):
        client_assign(client=greta, staff=people["vera"], by=people["owner"])
    as_(hotel, people["vera"]).post(url, {"notes": "Vera was here"})
    # too long is refused with words
    as_(hotel, people["owner"]).post(url, {"notes": "x" * 4001})
    with tenant_context(hotel):
        greta.refresh_from_db()
        assert greta.notes == "Allergic to feathers"
        entry = AuditEntry.objects.get(action="client.notes_changed")
        assert entry.actor == people["olga"]
        assert entry.changes["notes"] == ["", "Allergic to feathers"]


def test_the_kpi_page_shows_where_processes_slow_down(hotel, people):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with tenant_context(hotel):
        kind = RequestType.objects.create(
            name="Late check-out", sla_minutes=60, checklist=["Ask housekeeping", "Tell the guest"]
        )
        RequestType.objects.filter(pk=kind.pk).update(code="form")
        for n, (first, second) in enumerate([(5, 30), (15, 10)]):
            with time_machine.travel(start + dt.timedelta(hours=n), tick=False) as clock:
                work = work_open(client=people["greta"], kind="form", source=f"k:{n}", title="LCO")
                request_take(work=work, staff=people["olga"])
                clock.shift(dt.timedelta(minutes=first))
                request_check(work=work, staff=people["olga"], step=0)
                clock.shift(dt.timedelta(minutes=second))
                request_check(work=work, staff=people["olga"], step=1)
                request_close(work=work, staff=people["olga"], spent_minutes=20)
    with time_machine.travel(start + dt.timedelta(days=1)):
        page = as_(hotel, people["owner"]).get("/staff/kpi/?days=30").content.decode()
    assert "Where processes slow down" in page
    assert "Ask housekeeping: 10.0 min (median)" in page
    assert "Tell the guest: 20.0 min (median)" in page
