"""Intake: what a client does that needs a person opens one work item, under the right request
type with its SLA and checklist; answering or deciding closes it; a duplicate event never makes
a second one; the owner's own request forms reach the queue; the client sees where each stands."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.hotel.services import stay_check_in, stay_create, stay_set_status
from cabinet.messaging.chat import general_thread, message_post, thread_close
from cabinet.notifications.models import Notification
from cabinet.orders.services import order_set_status
from cabinet.staff.services import client_assign
from cabinet.wallet.services import wallet_top_up
from cabinet.work.intake import work_open
from cabinet.work.models import RequestType, WorkRequest
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def desk(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        olga = UserFactory(email="olga@hotel.example.com", is_staff=True)
        role_set(user=olga, role=StaffProfile.Role.OPERATOR)
        petr = UserFactory(email="petr@hotel.example.com", is_staff=True)
        role_set(user=petr, role=StaffProfile.Role.OPERATOR)
        guest = ClientProfile.objects.create(user=UserFactory(full_name="Greta Guest"))
        client_assign(client=guest, staff=olga, by=owner)
    return {"owner": owner, "olga": olga, "petr": petr, "guest": guest}


def test_a_chat_message_opens_one_item_and_the_answer_closes_it(hotel, desk):
    guest = desk["guest"]
    with tenant_context(hotel):
        # given a guest's question, and a second one before anybody answers
        thread = general_thread(guest)
        message_post(thread=thread, author=guest.user, body="Can I check out at 2 pm?")
        message_post(thread=thread, author=guest.user, body="Or at 3?")
        # then one item, under the chat type with its SLA and checklist
        work = WorkRequest.objects.get(client=guest)
        assert work.source == f"thread:{thread.pk}"
        assert work.type.code == "chat"
        assert work.type.checklist
        assert work.due_at - work.created_at == dt.timedelta(minutes=work.type.sla_minutes)
        # and Olga, whose client it is, heard of it; Petr, who cannot see the client, did not
        assert Notification.objects.filter(user=desk["olga"], event="new_work").count() == 1
        assert not Notification.objects.filter(user=desk["petr"], event="new_work").exists()
        # when Olga answers
        message_post(thread=thread, author=desk["olga"], body="Yes, until 3 pm.")
        work.refresh_from_db()
        # then the item is done, hers, with its response time
        assert work.status == WorkRequest.Status.DONE
        assert work.assignee == desk["olga"]
        assert work.first_response_at is not None
        # and a new question later opens a new item
        message_post(thread=thread, author=guest.user, body="Thanks! And a taxi?")
        assert WorkRequest.objects.filter(client=guest).count() == 2
        thread_close(thread=thread, by=desk["olga"])
        assert not WorkRequest.objects.filter(
            client=guest, status__in=["new", "in_progress"]
        ).exists()


def test_the_client_sees_the_status_of_their_items(hotel, desk):
    guest = desk["guest"]
    with tenant_context(hotel):
        message_post(thread=general_thread(guest), author=guest.user, body="Hello?")
    page = as_(hotel, guest.user).get("/requests/")
    assert page.status_code == 200
    assert "New" in page.content.decode()
    assert as_(hotel, desk["olga"]).get("/requests/").status_code == 403


def test_a_duplicate_event_never_makes_a_second_item(hotel, desk):
    guest = desk["guest"]
    with tenant_context(hotel):
        first = work_open(client=guest, kind="order", source="order:999", title="Order #999")
        again = work_open(client=guest, kind="order", source="order:999", title="Order #999")
        assert first.pk == again.pk
        # and the database holds it even if a racing request skipped the look-up
        with pytest.raises(IntegrityError), transaction.atomic():
            WorkRequest.objects.create(
                client=guest, type=first.type, title="x", source="order:999",
                due_at=timezone.now(),
            )  # fmt: skip
        assert WorkRequest.objects.filter(source="order:999").count() == 1
        assert RequestType.objects.filter(code="order").count() == 1


def test_an_order_to_confirm_opens_an_item_that_accepting_closes(hotel, desk):
    guest = desk["guest"]
    with tenant_context(hotel):
        wallet_top_up(client=guest, amount=Decimal("100.00"))
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(client=guest, wanted={item.pk: 1}, payment="balance",
                            submission_key="k1")  # fmt: skip
        work = WorkRequest.objects.get(source=f"order:{order.pk}")
        assert work.type.code == "order"
        assert work.status == WorkRequest.Status.NEW
        order_set_status(order=order, to="accepted", by=desk["olga"])
        work.refresh_from_db()
        assert work.status == WorkRequest.Status.DONE


def test_an_online_check_in_opens_a_review_item_under_the_hotels_type(hotel, desk):
    from tests.hotel.test_stays import jpeg

    guest = desk["guest"]
    with tenant_context(hotel):
        today = timezone.localdate()
        stay = stay_create(client=guest, arrival=today + dt.timedelta(days=2),
                           departure=today + dt.timedelta(days=4), by=desk["owner"])  # fmt: skip
        stay_check_in(stay=stay, guest_name="Greta Guest", birth_date=dt.date(1990, 1, 1),
                      citizenship="Latvia", document_number="LV1", arrival_time=dt.time(15),
                      upload=jpeg())  # fmt: skip
        work = WorkRequest.objects.get(source=f"stay:{stay.pk}:checkin")
        assert work.type.name == "Online check-in to review"
        assert len(work.type.checklist) == 3
        stay_set_status(stay=stay, to="in_house", by=desk["olga"])
        work.refresh_from_db()
        assert work.status == WorkRequest.Status.DONE


def test_a_parents_message_is_filed_as_such_in_a_school(school):
    with tenant_context(school):
        parent = ClientProfile.objects.create(user=UserFactory())
        message_post(thread=general_thread(parent), author=parent.user, body="Is Tom ill?")
        assert WorkRequest.objects.get(client=parent).type.name == "Parent's message"


def test_a_client_asks_for_a_late_check_out_through_the_owners_form(hotel, desk):
    guest = desk["guest"]
    with tenant_context(hotel):
        late = RequestType.objects.create(
            name="Late check-out", sla_minutes=45, checklist=["Check the room"],
            client_requestable=True, form_hint="Until what time?",
        )  # fmt: skip
        hidden = RequestType.objects.create(name="Internal audit")
    browser = as_(hotel, guest.user)
    page = browser.get("/requests/").content.decode()
    assert "Late check-out" in page
    assert "Until what time?" in page
    assert "Internal audit" not in page
    form = {"type": late.pk, "details": "Until 3 pm", "submission_key": "a" * 32}
    # a double submit files it once
    assert browser.post("/requests/send/", form).status_code == 303
    assert browser.post("/requests/send/", form).status_code == 303
    # forged or hidden types and junk are refused with words, never a 500
    for bad in ({**form, "type": hidden.pk}, {**form, "type": "abc"}, {**form, "type": 10**12},
                {**form, "submission_key": "x"}):  # fmt: skip
        assert browser.post("/requests/send/", bad).status_code == 303
    with tenant_context(hotel):
        work = WorkRequest.objects.get(client=guest)
        assert work.type == late
        assert work.details == "Until 3 pm"
        assert work.due_at - work.created_at == dt.timedelta(minutes=45)
    assert "Until 3 pm" in browser.get("/requests/").content.decode()
