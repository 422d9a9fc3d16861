"""The office's CSV import page: upload, a preview with every refused line and its number (in
the reader's words), then the import — the same checks as the API's."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from cabinet.school.models import SchoolClass
from rbac.models import User
from tests.school.test_school_api import CLASSES_CSV, as_

PAGE = "/staff/import/"


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("sis.csv", text.encode(), content_type="text/csv")


def test_the_office_previews_then_imports_classes(school, campus):
    office = as_(school, campus.owner)
    assert "Import from CSV" in office.get("/staff/classes/").content.decode()
    # the preview says what would change and writes nothing
    preview = office.post(PAGE, {"kind": "classes", "step": "preview", "file": upload(CLASSES_CSV)})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "2 new, 0 updated, 0 unchanged." in page
    with tenant_context(school):
        assert not SchoolClass.objects.filter(external_id="SIS-C1").exists()
    # the import sends the previewed text back
    done = office.post(PAGE, {"kind": "classes", "step": "import", "text": CLASSES_CSV})
    assert done.status_code == 302
    with tenant_context(school):
        assert SchoolClass.objects.filter(external_id__in=["SIS-C1", "SIS-C2"]).count() == 2


def test_the_preview_lists_refused_lines_by_number(school, campus):
    bad = (
        "external_id,name,subject,room,teacher_email\n"
        "C1,Violin,Violin,,\n"
        ",,,,\n"  # an empty line is skipped
        "C3,X,,,nobody@x.example.com\n"
    )
    answer = as_(school, campus.owner).post(
        PAGE, {"kind": "classes", "step": "preview", "file": upload(bad)}
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "1 line is refused" in page
    assert '<td class="num">4</td>' in page
    assert "No member of staff has the email nobody@x.example.com." in page
    assert 'name="step" value="import"' not in page


def test_a_file_that_is_not_csv_is_said_so(school, campus):
    answer = as_(school, campus.owner).post(
        PAGE, {"kind": "students", "step": "preview", "file": upload("hello\n")}
    )
    assert answer.status_code == 400
    assert "missing" in answer.content.decode()


def test_a_teacher_gets_a_403_and_other_cabinets_a_404(school, hotel, campus):
    assert as_(school, campus.teacher).get(PAGE).status_code == 403
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    assert as_(hotel, owner).get(PAGE).status_code == 404
