"""A client's visits and visit documents in their data export, and gone with them when they
delete their account (the document's file too); a specialist's own record in theirs, and a
specialist who is erased takes no more appointments while their past visits stay the clinic's."""

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from cabinet.clinic.models import Appointment, Specialist, VisitDocument
from cabinet.clinic.services import document_add
from cabinet.clinic.tests.helpers import at
from rbac.account import account_erase, personal_data_sections
from tests.cabinet.test_personal_data_export import models_referring_to_a_person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _visit_with_document(practice) -> VisitDocument:
    visit = Appointment.objects.create(
        client=practice.paula,
        specialist=practice.anna,
        service=practice.follow_up,
        starts=at(-3, 10),
        ends=at(-3, 10, 20),
        status=Appointment.Status.DONE,
        price="40.00",
        note="Knee hurts",
        summary="Sprain; rest for a week",
    )
    return document_add(
        appointment=visit,
        kind="results",
        title="X-ray of the knee",
        upload=SimpleUploadedFile("r.pdf", PDF),
        by=practice.anna.user,
    )


def _section(user, title: str) -> list[dict[str, str]]:
    return next(s.records for s in personal_data_sections(user=user) if s.title == title)


def test_a_client_finds_their_visits_and_documents_in_their_export(practice):
    with tenant_context(practice.tenant):
        # given a client's past visit with a summary and a document
        _visit_with_document(practice)

        # when her export's sections are built
        records = _section(practice.paula.user, "Appointments and visit documents")

    # then the visit and the document are there, each value as text
    visit, document = records
    assert visit["service"] == "Follow-up visit"
    assert visit["specialist"] == "Anna"
    assert visit["status"] == "done"
    assert visit["price"] == "40.00"
    assert visit["visit summary"] == "Sprain; rest for a week"
    assert document["document"] == "X-ray of the knee"
    assert document["kind"] == "results"
    assert document["file"].endswith(".pdf")


def test_a_specialist_finds_their_own_record_and_other_clients_do_not(practice):
    with tenant_context(practice.tenant):
        # given a visit of Paula's with Anna, and Tom who has none
        _visit_with_document(practice)

        # when Anna's and Tom's exports are built
        anna = _section(practice.anna.user, "Work as a specialist")
        tom = _section(practice.tom.user, "Appointments and visit documents")

    # then Anna finds her speciality and hours, not Paula's words; Tom finds nothing of Paula's
    assert anna[0]["speciality"] == "GP"
    assert any(r.get("kind") == "break" for r in anna)
    assert "Sprain" not in str(anna)
    assert tom == []


def test_every_clinic_model_that_refers_to_a_person_is_in_a_clinic_export(practice):
    # given a client and a specialist of the clinic
    with tenant_context(practice.tenant):
        # when their exports' sections are built
        exported = {
            source
            for person in (practice.paula.user, practice.anna.user)
            for section in personal_data_sections(user=person)
            for source in section.sources
        }

    # then each of the clinic's models that refers to a person is read by a section
    clinic = {label for label in models_referring_to_a_person() if label.startswith("clinic.")}
    assert clinic
    assert clinic <= exported


def test_an_erased_client_leaves_no_visit_document_nor_their_words(
    practice, django_capture_on_commit_callbacks
):
    with tenant_context(practice.tenant):
        # given a client's visit with a document, and an unpaid visit ahead
        document = _visit_with_document(practice)
        stored = document.file.name
        Appointment.objects.create(
            client=practice.paula,
            specialist=practice.omar,
            service=practice.follow_up,
            starts=at(3, 11),
            ends=at(3, 11, 20),
            note="Second opinion",
        )
        assert default_storage.exists(stored)

        # when she deletes her account
        with django_capture_on_commit_callbacks(execute=True):
            account_erase(user=practice.paula.user)

        # then the document, its file and her visits' words are gone
        assert not VisitDocument.objects.exists()
        assert not default_storage.exists(stored)
        assert not Appointment.objects.filter(client__user__email="paula@patient.example.com")
        assert not Appointment.objects.exclude(note="", summary="").exists()


def test_an_erased_specialist_takes_no_more_appointments_and_their_visits_stay(
    practice, django_capture_on_commit_callbacks
):
    with tenant_context(practice.tenant):
        # given Anna's past visit with Paula, and a document she uploaded
        document = _visit_with_document(practice)

        # when Anna's account is erased
        with django_capture_on_commit_callbacks(execute=True):
            kept = not account_erase(user=practice.anna.user)

        # then her account is kept anonymised (the visit points to her), she is not bookable,
        # the clinic keeps the visit, and who uploaded the document is forgotten
        specialist = Specialist.objects.select_related("user").get(pk=practice.anna.pk)
        assert kept
        assert specialist.user.email.startswith("deleted-")
        assert not specialist.is_active
        assert Appointment.objects.filter(specialist=specialist).count() == 1
        document.refresh_from_db()
        assert document.uploaded_by is None
