"""Appointments on the API: services and slots, book (409 with a reason when refused), move,
cancel, a document; staff see only what their selector gives them; absent on other verticals."""

from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from cabinet.clinic.models import Appointment
from cabinet.clinic.services import appointment_book
from cabinet.clinic.tests.helpers import at, key
from tests.conftest import host_of


def api(tenant, user) -> Client:
    with tenant_context(tenant):
        token = Token.objects.create(user=user).key
    return Client(HTTP_HOST=host_of(tenant), HTTP_AUTHORIZATION=f"Token {token}")


def test_a_client_finds_a_slot_books_moves_and_cancels(practice):
    # given
    client = api(practice.tenant, practice.paula.user)
    day = at(3, 10).date().isoformat()

    # when
    services = client.get("/api/v1/appointment-services/")
    service = next(s for s in services.json() if s["name"] == "Follow-up visit")
    slots = client.get(f"/api/v1/appointment-services/{service['id']}/slots/?date={day}")
    booked = client.post(
        "/api/v1/appointments/",
        {"service": service["id"], "at": slots.json()[0]["at"]},
        content_type="application/json",
    )
    again = client.post(
        "/api/v1/appointments/",
        {
            "service": service["id"],
            "at": slots.json()[0]["at"],
            "specialist": booked.json()["id"] and slots.json()[0]["specialist"],
        },
        content_type="application/json",
    )
    moved = client.post(
        f"/api/v1/appointments/{booked.json()['id']}/move/",
        {"at": key(at(4, 15))},
        content_type="application/json",
    )
    cancelled = client.post(f"/api/v1/appointments/{booked.json()['id']}/cancel/")

    # then
    assert services.status_code == 200
    assert slots.status_code == 200
    assert booked.status_code == 201
    assert booked.json()["status"] == "confirmed"
    assert again.status_code == 409
    assert "taken" in again.json()["detail"]
    assert moved.status_code == 200
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_bad_input_is_a_400_and_someone_elses_a_404(practice):
    # given
    with tenant_context(practice.tenant):
        his = appointment_book(
            client=practice.tom,
            service=practice.follow_up,
            starts=at(3, 10),
            specialist=practice.anna,
        )
    client = api(practice.tenant, practice.paula.user)

    # then
    assert client.get("/api/v1/appointment-services/1/slots/?date=soon").status_code in (400, 404)
    assert (
        client.post(
            "/api/v1/appointments/", {"service": "x"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert client.get(f"/api/v1/appointments/{his.pk}/").status_code == 404
    assert client.post(f"/api/v1/appointments/{his.pk}/cancel/").status_code == 404


def test_staff_see_only_their_own_appointments_on_the_api(practice):
    # given
    with tenant_context(practice.tenant):
        appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(2, 10),
            specialist=practice.anna,
        )
        appointment_book(
            client=practice.tom,
            service=practice.follow_up,
            starts=at(2, 11),
            specialist=practice.omar,
        )

    # when
    anna = api(practice.tenant, practice.anna.user).get("/api/v1/staff/appointments/")
    manager = api(practice.tenant, practice.manager).get("/api/v1/staff/appointments/")

    # then
    assert anna.status_code == 200
    assert [row["client"] for row in anna.json()["results"]] == [practice.paula.pk]
    assert manager.json()["count"] == 2
    with tenant_context(practice.tenant):
        assert Appointment.objects.count() == 2


def test_the_endpoints_are_absent_on_other_verticals(hotel):
    schema = Client(HTTP_HOST=host_of(hotel)).get("/api/schema/?format=json")
    assert not [path for path in schema.json()["paths"] if "appointment" in path]
