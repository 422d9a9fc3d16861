"""Stays on the API: a guest's own stays and online check-in (the page's validation and
effects), the front desk's stays as its role sees them, and the PMS sync by external id —
idempotent, one stay under a race, meaningless in another cabinet."""

import datetime as dt
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from cabinet.accounts.models import ClientProfile
from cabinet.hotel.models import Stay
from cabinet.hotel.services import stay_create
from cabinet.work.models import WorkRequest
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.conftest import host_of, provision_test_tenant
from tests.factories import UserFactory
from tests.hotel.test_stays import booked, guest, jpeg

SYNC = "/api/v1/staff/stays/by-external-id/{}/"


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def send(browser: Client, method: str, url: str, body: object):
    return getattr(browser, method)(url, json.dumps(body), content_type="application/json")


def reads(captured: CaptureQueriesContext) -> int:
    """The queries a request made, less the schema switch a test's own tenant_context causes."""
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET search_path"))


def front_desk(role: str = StaffProfile.Role.ADMIN, email: str = "desk@hotel.example.com"):
    staff = UserFactory(email=email, is_staff=True)
    role_set(user=staff, role=role)
    return staff


def pms_stay(email: str, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "email": email, "arrival": str(today + dt.timedelta(days=5)),
        "departure": str(today + dt.timedelta(days=8)), "adults": 2, "children": 0,
        "room_type": "Sea view", **overrides,
    }  # fmt: skip


def test_a_guest_lists_and_opens_only_their_own_stays(hotel):
    # given two guests with a stay each
    with tenant_context(hotel):
        anna, boris = guest(), guest("boris@guest.example.com")
        mine, theirs = booked(anna), booked(boris)
    api = as_(hotel, anna.user)
    # when / then
    listed = api.get("/api/v1/stays/").json()
    assert [s["reservation_code"] for s in listed] == [mine.reservation_code]
    assert listed[0]["can_check_in_online"] is True
    assert api.get(f"/api/v1/stays/{mine.pk}/").status_code == 200
    assert api.get(f"/api/v1/stays/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/stays/{theirs.pk}/check-in/", {}).status_code == 404


def test_the_guest_list_reads_a_fixed_number_of_queries(hotel):
    with tenant_context(hotel):
        anna = guest()
        booked(anna)
    api = as_(hotel, anna.user)
    api.get("/api/v1/stays/")
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/stays/")
    with tenant_context(hotel):
        for days in (20, 40, 60):
            booked(anna, in_days=days)
    with CaptureQueriesContext(connection) as four:
        assert len(api.get("/api/v1/stays/").json()) == 4
    assert reads(four) == reads(one)


def test_check_in_through_the_api_has_the_pages_validation_and_effects(hotel):
    with tenant_context(hotel):
        anna = guest()
        stay = booked(anna)
    api = as_(hotel, anna.user)
    url = f"/api/v1/stays/{stay.pk}/check-in/"
    details = {"guest_name": "Anna Maria Guest", "birth_date": "1990-04-12",
               "citizenship": "Latvia", "document_number": "LV 1234567",
               "arrival_time": "15:30"}  # fmt: skip
    # a birth date in the future, as the page refuses it
    future = send(api, "post", url, {**details, "birth_date": "2999-01-01"})
    assert future.status_code == 400
    assert "birth_date" in future.json()
    # a wrong JSON type is said at once
    assert send(api, "post", url, {**details, "guest_name": 5}).status_code == 400
    # without a document yet: 400 on `document`, nothing saved
    missing = send(api, "post", url, details)
    assert missing.status_code == 400
    assert "document" in missing.json()
    # with the document (multipart), the stay is checked in and the front desk gets the work
    done = api.post(url, {**details, "document": jpeg()})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == Stay.Status.CHECKED_IN_ONLINE
    # a correction later needs no new document (JSON)
    again = send(api, "post", url, {**details, "arrival_time": "18:00"})
    assert again.status_code == 200
    assert again.json()["arrival_time"] == "18:00"
    with tenant_context(hotel):
        stay.refresh_from_db()
        assert stay.document
        assert stay.guest_name == "Anna Maria Guest"
        assert WorkRequest.objects.filter(source=f"stay:{stay.pk}:checkin").count() == 1


def test_check_in_of_a_stay_that_is_over_is_a_409(hotel):
    with tenant_context(hotel):
        anna = guest()
        stay = booked(anna)
        Stay.objects.filter(pk=stay.pk).update(status=Stay.Status.CANCELLED, document="x.pdf")
    body = {"guest_name": "Anna", "birth_date": "1990-04-12", "citizenship": "Latvia",
            "document_number": "LV 1234567", "arrival_time": "15:30"}  # fmt: skip
    answer = send(as_(hotel, anna.user), "post", f"/api/v1/stays/{stay.pk}/check-in/", body)
    assert answer.status_code == 409


def test_staff_see_the_stays_their_role_sees_and_clients_are_refused(hotel):
    with tenant_context(hotel):
        anna = guest()
        stay = booked(anna)
        admin = front_desk()
        viewer = front_desk(StaffProfile.Role.VIEWER, "viewer@hotel.example.com")
    listed = as_(hotel, admin).get("/api/v1/staff/stays/").json()
    assert stay.pk in [s["id"] for s in listed["results"]]
    # a viewer with no clients assigned sees none of them
    viewer_api = as_(hotel, viewer)
    assert stay.pk not in [
        s["id"] for s in viewer_api.get("/api/v1/staff/stays/").json()["results"]
    ]
    assert viewer_api.get(f"/api/v1/staff/stays/{stay.pk}/").status_code == 404
    assert send(viewer_api, "put", SYNC.format("R-1"), pms_stay(anna.user.email)).status_code == 400
    # the client API is for clients, the staff API for staff
    assert as_(hotel, admin).get("/api/v1/stays/").status_code == 403
    assert as_(hotel, anna.user).get("/api/v1/staff/stays/").status_code == 403
    assert Client(HTTP_HOST=host_of(hotel)).get("/api/v1/staff/stays/").status_code in (401, 403)


def test_the_staff_list_reads_a_fixed_number_of_queries(hotel):
    with tenant_context(hotel):
        anna = guest()
        booked(anna)
        api = as_(hotel, front_desk())
    api.get("/api/v1/staff/stays/")
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/staff/stays/")
    with tenant_context(hotel):
        for days in (20, 40, 60):
            booked(guest(f"g{days}@guest.example.com"), in_days=days)
    with CaptureQueriesContext(connection) as many:
        api.get("/api/v1/staff/stays/")
    assert reads(many) == reads(one)


def test_staff_move_a_stay_along_and_a_wrong_move_is_a_409(hotel):
    with tenant_context(hotel):
        stay = booked(guest())
        api = as_(hotel, front_desk())
    url = f"/api/v1/staff/stays/{stay.pk}/status/"
    assert send(api, "post", url, {"status": "departed"}).status_code == 409
    assert send(api, "post", url, {"status": "nonsense"}).status_code == 400
    moved = send(api, "post", url, {"status": "in_house"})
    assert moved.status_code == 200
    assert moved.json()["status"] == "in_house"


def test_the_pms_sync_creates_once_and_then_updates(hotel):
    with tenant_context(hotel):
        anna = guest()
        api = as_(hotel, front_desk())
    # when the PMS sends the same reservation twice
    first = send(api, "put", SYNC.format("PMS-77"), pms_stay(anna.user.email))
    second = send(api, "put", SYNC.format("PMS-77"), pms_stay(anna.user.email))
    # then there is one stay
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    # and a change of dates and status updates it
    changed = send(api, "put", SYNC.format("PMS-77"),
                   pms_stay(anna.user.email, adults=3, status="cancelled"))  # fmt: skip
    assert changed.status_code == 200
    assert (changed.json()["adults"], changed.json()["status"]) == (3, "cancelled")
    with tenant_context(hotel):
        assert Stay.objects.filter(external_id="PMS-77").count() == 1


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"email": "nobody@nowhere.example.com"}, 400),
        ({"departure": "2000-01-01"}, 400),
        ({"adults": 0}, 400),
        ({"adults": "2"}, 400),
        ({"arrival": "not a date"}, 400),
        ({"status": "in_house", "departure": None}, 400),
    ],
)
def test_bad_sync_requests_are_400(hotel, overrides, status):
    with tenant_context(hotel):
        anna = guest()
        api = as_(hotel, front_desk())
    fields = pms_stay(**{"email": anna.user.email, **overrides})
    body = {k: v for k, v in fields.items() if v is not None}
    assert send(api, "put", SYNC.format("PMS-1"), body).status_code == status
    with tenant_context(hotel):
        assert not Stay.objects.filter(external_id="PMS-1").exists()


def test_an_external_id_of_another_guest_is_a_409(hotel):
    with tenant_context(hotel):
        anna, boris = guest(), guest("boris@guest.example.com")
        api = as_(hotel, front_desk())
    assert send(api, "put", SYNC.format("X1"), pms_stay(anna.user.email)).status_code == 201
    assert send(api, "put", SYNC.format("X1"), pms_stay(boris.user.email)).status_code == 409


def test_stays_of_one_hotel_mean_nothing_in_another_whose_ids_collide(hotel):
    # given a second hotel whose stay has the same primary key and external id as the first's
    other = provision_test_tenant("hotel-b", "hotel")
    with tenant_context(hotel):
        anna = guest()
        api_a = as_(hotel, front_desk())
    first = send(api_a, "put", SYNC.format("SAME-1"), pms_stay(anna.user.email)).json()
    with tenant_context(other):
        bella = guest("bella@guest.example.com")
        owner = User.objects.get(email="owner@hotel-b.example.com")
        today = timezone.localdate()
        stay_b = stay_create(client=bella, arrival=today + dt.timedelta(days=2),
                             departure=today + dt.timedelta(days=4), by=owner)  # fmt: skip
        Stay.objects.filter(pk=stay_b.pk).update(id=first["id"])
        api_b = as_(other, front_desk(email="desk@hotel-b.example.com"))
    # when hotel B is asked for A's stay by id and by external id
    by_id = api_b.get(f"/api/v1/staff/stays/{first['id']}/").json()
    # then B answers with its own stay, never A's
    assert by_id["reservation_code"] != first["reservation_code"]
    assert by_id["external_id"] == ""
    # and A's external id in B books B's own guest, not A's stay
    made = send(api_b, "put", SYNC.format("SAME-1"), pms_stay(bella.user.email))
    assert made.status_code == 201
    with tenant_context(hotel):
        assert Stay.objects.get(external_id="SAME-1").client_id == anna.pk
    # and A's guest is unknown in B
    assert send(api_b, "put", SYNC.format("SAME-2"), pms_stay(anna.user.email)).status_code == 400
    # and a token of A means nothing in B
    with tenant_context(hotel):
        token = Token.objects.create(user=anna.user).key
    foreign = Client(HTTP_HOST=host_of(other), HTTP_AUTHORIZATION=f"Token {token}")
    assert foreign.get("/api/v1/stays/").status_code == 401


def test_the_hotel_endpoints_are_404_in_other_verticals(shop):
    with tenant_context(shop):
        staff = front_desk(email="desk@shop.example.com")
        client = UserFactory(email="c@shop.example.com")
        ClientProfile.objects.create(user=client)
    assert as_(shop, client).get("/api/v1/stays/").status_code == 404
    assert as_(shop, staff).get("/api/v1/staff/stays/").status_code == 404
    assert send(as_(shop, staff), "put", SYNC.format("A"), {}).status_code == 404
    assert Client(HTTP_HOST=host_of(shop)).get("/api/v1/stays/").status_code == 404
    schema = Client(HTTP_HOST=host_of(shop)).get("/api/schema/", {"format": "json"}).json()
    assert not [p for p in schema["paths"] if "stays" in p]


def test_concurrent_syncs_of_one_external_id_make_one_stay(committed_tenant, django_db_blocker):
    # given a guest and a front-desk token in a cabinet whose rows are committed
    tenant = committed_tenant
    with django_db_blocker.unblock(), tenant_context(tenant):
        anna = guest()
        desk = front_desk(email=f"desk@{tenant.slug}.example.com")
        token = Token.objects.create(user=desk).key
    body = json.dumps(pms_stay(anna.user.email))
    answers: list[int] = []
    start = threading.Barrier(8)

    def put() -> None:
        browser = Client(HTTP_HOST=host_of(tenant), HTTP_AUTHORIZATION=f"Token {token}")
        start.wait()
        try:
            answer = browser.put(SYNC.format("RACE-1"), body, content_type="application/json")
            answers.append(answer.status_code)
        finally:
            connections.close_all()

    # when eight requests sync the same external id at once
    with django_db_blocker.unblock():
        threads = [threading.Thread(target=put) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # then one stay was made and the others found it
        assert sorted(answers) == [200] * 7 + [201]
        with tenant_context(tenant):
            assert Stay.objects.filter(external_id="RACE-1").count() == 1


def test_options_on_the_sync_describes_it_without_an_object(hotel):
    with tenant_context(hotel):
        api = as_(hotel, front_desk())
    answer = api.options(SYNC.format("PMS-1"))
    assert answer.status_code == 200
    assert answer.json()["name"]
