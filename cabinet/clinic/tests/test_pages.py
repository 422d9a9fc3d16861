"""The client's and the staff's pages: book through the steps, pay in advance through the
checkout, move, cancel; a visit's documents open only for their client and permitted staff,
each opening audited; a specialist sees only their own schedule; other verticals get a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.checkout.models import Checkout
from cabinet.clinic.models import Appointment, VisitDocument
from cabinet.clinic.services import appointment_book, document_add
from cabinet.clinic.tests.helpers import as_, at, key, top_up
from rbac.models import AuditEntry
from tests.conftest import host_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _visited(practice) -> Appointment:
    with tenant_context(practice.tenant):
        visit = Appointment.objects.create(
            client=practice.paula,
            specialist=practice.anna,
            service=practice.follow_up,
            starts=at(-3, 10),
            ends=at(-3, 10, 20),
            status=Appointment.Status.DONE,
        )
        document_add(
            appointment=visit,
            kind="results",
            title="Blood results",
            upload=SimpleUploadedFile("r.pdf", PDF),
            by=practice.anna.user,
        )
        return visit


def test_a_client_books_a_prepaid_visit_through_the_steps_and_pays(practice):
    # given
    browser = as_(practice.tenant, practice.paula.user)
    with tenant_context(practice.tenant):
        top_up(practice.paula)
    service = practice.consultation.pk
    day = at(3, 10).date().isoformat()

    # when
    services = browser.get("/appointments/book/")
    times = browser.get(f"/appointments/book/{service}/?specialist=any&date={day}")
    confirm = browser.get(
        f"/appointments/book/{service}/confirm/?specialist=any&at={key(at(3, 10))}"
    )
    booked = browser.post(
        f"/appointments/book/{service}/confirm/?specialist=any&at={key(at(3, 10))}",
        {"note": "Knee pain"},
    )

    # then
    assert services.status_code == 200
    assert "First consultation" in services.content.decode()
    assert times.status_code == 200
    assert key(at(3, 10)) in times.content.decode()
    assert confirm.status_code == 200
    assert booked.status_code == 303
    assert booked["Location"].startswith("/checkout/")
    with tenant_context(practice.tenant):
        held = Appointment.objects.get(client=practice.paula)
        assert held.status == Appointment.Status.HELD
        token = held.checkout.token
    ways = browser.get(f"/checkout/{token}/").content.decode()
    assert 'value="balance"' in ways
    assert 'value="on_site"' not in ways  # paid in advance: the desk is no way to pay it
    paid = browser.post(f"/checkout/{token}/pay/", {"payment": "balance"})
    assert paid.status_code == 303
    with tenant_context(practice.tenant):
        held.refresh_from_db()
        assert held.status == Appointment.Status.CONFIRMED
        assert held.checkout.status == Checkout.Status.PAID
    page = browser.get(f"/appointments/{held.pk}/").content.decode()
    assert "Confirmed" in page
    assert "Move to another time" in page


def test_a_client_moves_and_cancels_on_the_pages(practice):
    # given
    with tenant_context(practice.tenant):
        booked = appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(4, 10),
            specialist=practice.anna,
        )
    browser = as_(practice.tenant, practice.paula.user)

    # when
    slots = browser.get(f"/appointments/{booked.pk}/move/?date={at(5, 9).date().isoformat()}")
    moved = browser.post(f"/appointments/{booked.pk}/move/", {"at": key(at(5, 9))})
    refused = browser.post(f"/appointments/{booked.pk}/move/", {"at": "nonsense"})
    cancelled = browser.post(f"/appointments/{booked.pk}/cancel/")

    # then
    assert slots.status_code == 200
    assert moved.status_code == 303
    assert refused.status_code == 400
    assert cancelled.status_code == 303
    with tenant_context(practice.tenant):
        booked.refresh_from_db()
        assert booked.starts == at(5, 9)
        assert booked.status == Appointment.Status.CANCELLED


def test_bad_input_on_the_booking_pages_is_a_4xx(practice):
    browser = as_(practice.tenant, practice.paula.user)
    service = practice.follow_up.pk
    assert browser.get("/appointments/book/999999999999/").status_code == 404
    assert browser.get(f"/appointments/book/{service}/?date=tomorrow").status_code == 404
    assert browser.get(f"/appointments/book/{service}/?specialist=x").status_code == 404
    assert browser.get(f"/appointments/book/{service}/confirm/?at=").status_code == 404
    past = browser.post(f"/appointments/book/{service}/confirm/?at={key(at(-1, 10))}")
    assert past.status_code == 400
    assert "This time has passed" in past.content.decode()


def test_the_results_open_for_their_client_and_permitted_staff_only_each_time_audited(practice):
    # given
    visit = _visited(practice)
    with tenant_context(practice.tenant):
        document = VisitDocument.objects.get(appointment=visit)

    # when
    own = as_(practice.tenant, practice.paula.user).get(f"/appointments/documents/{document.pk}/")
    other = as_(practice.tenant, practice.tom.user).get(f"/appointments/documents/{document.pk}/")
    specialist = as_(practice.tenant, practice.anna.user).get(
        f"/staff/schedule/documents/{document.pk}/"
    )
    colleague = as_(practice.tenant, practice.omar.user).get(
        f"/staff/schedule/documents/{document.pk}/"
    )
    manager = as_(practice.tenant, practice.manager).get(
        f"/staff/schedule/documents/{document.pk}/"
    )

    # then
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PDF
    assert own["Cache-Control"] == "private, no-store"
    assert other.status_code == 404
    assert specialist.status_code == 200
    assert colleague.status_code == 404  # not his patient
    assert manager.status_code == 404  # sees the schedule, not the documents
    with tenant_context(practice.tenant):
        openings = AuditEntry.objects.filter(action="clinic.document_opened")
        assert sorted(openings.values_list("actor_id", flat=True)) == sorted(
            [practice.paula.user.pk, practice.anna.user.pk]
        )
    assert "private" in document.file.name


def test_a_specialist_sees_only_their_own_schedule_and_a_manager_everyone(practice):
    # given
    with tenant_context(practice.tenant):
        mine = appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(2, 10),
            specialist=practice.anna,
        )
        his = appointment_book(
            client=practice.tom,
            service=practice.follow_up,
            starts=at(2, 11),
            specialist=practice.omar,
        )
    day = at(2, 10).date().isoformat()
    anna = as_(practice.tenant, practice.anna.user)

    # when
    page = anna.get(f"/staff/schedule/?date={day}").content.decode()
    everyone = as_(practice.tenant, practice.manager).get(f"/staff/schedule/?date={day}")

    # then
    assert "Paula P" in page
    assert "Tom B" not in page
    assert anna.get(f"/staff/schedule/{mine.pk}/").status_code == 200
    assert anna.get(f"/staff/schedule/{his.pk}/").status_code == 404
    assert "Tom B" in everyone.content.decode()
    assert "Paula P" in everyone.content.decode()


def test_the_list_pages_take_a_fixed_number_of_queries(practice, django_assert_max_num_queries):
    # given
    with tenant_context(practice.tenant):
        for hour in (9, 10, 11, 14, 15):
            appointment_book(
                client=practice.paula,
                service=practice.follow_up,
                starts=at(2, hour),
                specialist=practice.anna,
            )
    browser = as_(practice.tenant, practice.paula.user)
    staff = as_(practice.tenant, practice.manager)
    day = at(2, 10).date().isoformat()

    # when / then
    with django_assert_max_num_queries(40):
        assert browser.get("/appointments/").status_code == 200
    with django_assert_max_num_queries(40):
        assert staff.get(f"/staff/schedule/?date={day}").status_code == 200


@pytest.mark.parametrize("path", ["/appointments/", "/appointments/book/", "/staff/schedule/"])
def test_the_pages_are_a_404_on_other_verticals(hotel, path):
    with tenant_context(hotel):
        from rbac.models import User

        owner = User.objects.get(email="owner@hotel.example.com")
    browser = Client(HTTP_HOST=host_of(hotel))
    with tenant_context(hotel):
        browser.force_login(owner)
    assert browser.get(path).status_code == 404


def test_a_specialist_records_the_visit_and_adds_a_document(practice):
    # given
    with tenant_context(practice.tenant):
        visit = Appointment.objects.create(
            client=practice.paula,
            specialist=practice.anna,
            service=practice.follow_up,
            starts=timezone.now() - timezone.timedelta(hours=1),
            ends=timezone.now() - timezone.timedelta(minutes=40),
        )
    anna = as_(practice.tenant, practice.anna.user)

    # when
    recorded = anna.post(
        f"/staff/schedule/{visit.pk}/", {"form": "visit", "status": "done", "summary": "All well."}
    )
    added = anna.post(
        f"/staff/schedule/{visit.pk}/",
        {
            "form": "document",
            "kind": "prescription",
            "title": "Ibuprofen 400",
            "file": SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"),
        },
    )
    refused = anna.post(
        f"/staff/schedule/{visit.pk}/",
        {
            "form": "document",
            "kind": "results",
            "title": "Not a PDF",
            "file": SimpleUploadedFile("x.pdf", b"<html>", content_type="application/pdf"),
        },
    )

    # then
    assert recorded.status_code == 303
    assert added.status_code == 303
    assert refused.status_code == 400
    assert "Upload a PDF, JPEG or PNG file." in refused.content.decode()
    with tenant_context(practice.tenant):
        visit.refresh_from_db()
        assert visit.status == Appointment.Status.DONE
        assert visit.summary == "All well."
        assert visit.documents.count() == 1
