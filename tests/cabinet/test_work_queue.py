import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.common.money import money
from cabinet.staff.services import client_assign
from cabinet.staff.work import request_create
from cabinet.work.models import RequestType, WorkRequest
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


@pytest.fixture
def desk(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        operator = UserFactory(
            email="op@hotel.example.com", full_name="Olga Operator", is_staff=True
        )
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
        other = UserFactory(email="other@hotel.example.com", is_staff=True)
        role_set(user=other, role=StaffProfile.Role.OPERATOR)
        mine = ClientProfile.objects.create(user=UserFactory(full_name="Mine Client"))
        theirs = ClientProfile.objects.create(user=UserFactory(full_name="Their Client"))
        client_assign(client=mine, staff=operator, by=owner)
        client_assign(client=theirs, staff=other, by=owner)
        kind = RequestType.objects.create(
            name="Late checkout", sla_minutes=30, checklist=["Confirm", "Prepare", "Deliver"]
        )
        work = request_create(client=mine, type=kind, title="Champagne to room 12")
        hidden = request_create(client=theirs, type=kind, title="Not for Olga")
    return {"owner": owner, "operator": operator, "work": work, "hidden": hidden}


def as_(hotel, user: User) -> Client:
    client = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        client.force_login(user)
    return client


def test_an_operator_takes_works_and_closes_a_request(hotel, desk):
    olga = as_(hotel, desk["operator"])
    queue = olga.get("/staff/queue/").content.decode()
    assert "Champagne to room 12" in queue
    assert "Not for Olga" not in queue
    work = desk["work"]
    olga.post(f"/staff/queue/{work.pk}/take/")
    olga.post(f"/staff/queue/{work.pk}/respond/")
    for step in (0, 1, 2):
        olga.post(f"/staff/queue/{work.pk}/check/", {"step": step})
    olga.post(f"/staff/queue/{work.pk}/close/", {"spent_minutes": "20"})
    with tenant_context(hotel):
        work.refresh_from_db()
        assert work.status == WorkRequest.Status.DONE
        assert work.checklist_done == [0, 1, 2]
        assert work.spent_minutes == 20
        assert not work.is_overrun
        assert AuditEntry.objects.filter(action="request.closed", actor=desk["operator"]).exists()


def test_someone_elses_request_is_404_and_bad_input_is_refused(hotel, desk):
    olga = as_(hotel, desk["operator"])
    assert olga.get(f"/staff/queue/{desk['hidden'].pk}/").status_code == 404
    assert olga.post(f"/staff/queue/{desk['hidden'].pk}/take/").status_code == 404
    work = desk["work"]
    olga.post(f"/staff/queue/{work.pk}/take/")
    for bad in ({"spent_minutes": "-5"}, {"spent_minutes": "abc"}, {"spent_minutes": "99999"}):
        olga.post(f"/staff/queue/{work.pk}/close/", bad)
    assert olga.post(f"/staff/queue/{work.pk}/check/", {"step": "7"}).status_code == 302
    assert olga.post(f"/staff/queue/{work.pk}/explode/").status_code == 404
    with tenant_context(hotel):
        work.refresh_from_db()
        assert work.status == WorkRequest.Status.IN_PROGRESS


def test_a_late_request_is_flagged_overdue(hotel, desk):
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=45)):
        queue = as_(hotel, desk["operator"]).get("/staff/queue/").content.decode()
    assert "overdue" in queue


def test_kpis_show_response_times_per_person(hotel, desk):
    olga = as_(hotel, desk["operator"])
    work = desk["work"]
    olga.post(f"/staff/queue/{work.pk}/take/")
    olga.post(f"/staff/queue/{work.pk}/respond/")
    olga.post(f"/staff/queue/{work.pk}/close/", {"spent_minutes": "10"})
    page = as_(hotel, desk["owner"]).get("/staff/kpi/", {"days": "30"}).content.decode()
    assert "Olga Operator" in page
    assert "<svg" in page
    # an operator sees only their own row (and the leaderboard)
    own = olga.get("/staff/kpi/", {"days": "nonsense"}).content.decode()
    assert "Olga Operator" in own


def test_staff_are_warned_once_when_a_request_nears_its_deadline(hotel, desk, shop):
    from cabinet.notifications.models import Notification
    from cabinet.staff.work import request_close, request_take, requests_sla_warn

    with tenant_context(hotel):
        kind = RequestType.objects.create(name="Airport taxi", sla_minutes=120)
        slow = request_create(client=desk["work"].client, type=kind, title="Taxi at 6")
        request_take(work=desk["work"], staff=desk["operator"])
        request_close(work=desk["hidden"], staff=desk["owner"], spent_minutes=5)
        assert requests_sla_warn() == 1  # Olga's; the closed one and the 2-hour one are not near
        assert requests_sla_warn() == 0  # the next quarter hour: warned already
        (warning,) = Notification.objects.filter(user=desk["operator"], event="sla_warning")
        assert warning.title.startswith("Due in ")
        assert "Champagne to room 12" in warning.title
        assert warning.url == f"/staff/queue/{desk['work'].pk}/"
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=100)):
        with tenant_context(shop):
            assert requests_sla_warn() == 0  # another cabinet warns only of its own
        with tenant_context(hotel):
            assert requests_sla_warn() == 1  # nobody holds the taxi: the owner hears of it
            (to_owner,) = Notification.objects.filter(user=desk["owner"], event="sla_warning")
            assert "Taxi at 6" in to_owner.title
            assert f"/staff/queue/{slow.pk}/" == to_owner.url


def test_the_deadline_warning_is_offered_to_staff_and_not_to_clients(hotel, desk):
    guest = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        guest.force_login(desk["work"].client.user)
    assert "sla_warning" not in guest.get("/account/notifications/").content.decode()
    staff_page = as_(hotel, desk["operator"]).get("/account/notifications/").content.decode()
    assert 'name="sla_warning:email"' in staff_page


def test_kpis_count_orders_done_with_revenue_and_chat_response_times(hotel, desk):
    from cabinet.catalog.models import CatalogItem
    from cabinet.checkout.placing import order_place
    from cabinet.messaging.chat import general_thread, message_post, thread_close
    from cabinet.orders.services import order_set_status

    olga, mine = desk["operator"], desk["work"].client
    start = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
    with tenant_context(hotel):
        item = CatalogItem.objects.get(name="Bottle of champagne")
        with time_machine.travel(start, tick=False):
            order = order_place(client=mine, wanted={item.pk: 2}, payment="on_site",
                                submission_key="kpi")  # fmt: skip
            for step in ("accepted", "in_progress", "done"):
                order_set_status(order=order, to=step, by=olga)
            thread = general_thread(mine)
            message_post(thread=thread, author=mine.user, body="Where is breakfast?")
        with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
            message_post(thread=thread, author=olga, body="In the restaurant.")
        with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
            thread_close(thread=thread, by=olga)
    with time_machine.travel(start + dt.timedelta(hours=1)):
        page = as_(hotel, desk["owner"]).get("/staff/kpi/", {"days": "7"})
    (row,) = [r for r in page.context["rows"] if r.user == olga]
    assert (row.orders_done, row.revenue) == (1, money(order.total, order.currency))
    assert (row.chats_answered, row.chat_first_response_minutes, row.chat_close_minutes) == (
        1, 6.0, 20.0,
    )  # fmt: skip
    assert money(order.total, order.currency) in page.content.decode()
