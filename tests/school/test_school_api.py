"""The school on the API: a parent sees their own children as the child's page does; staff see
the classes their role lets them see; the office imports classes and students from CSV —
refused lines with their numbers and nothing written, the same file twice changes nothing."""

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from cabinet.school.models import SchoolClass, Student
from cabinet.school.services import grade_give
from rbac.models import StaffProfile
from rbac.roles import role_set
from tests.conftest import host_of
from tests.factories import UserFactory

CLASSES = "/api/v1/staff/classes/import/"
STUDENTS = "/api/v1/staff/classes/import-students/"
CLASSES_CSV = (
    "external_id,name,subject,room,teacher_email\n"
    "SIS-C1,Violin 1,Violin,12,elena@school.example.com\n"
    "SIS-C2,Theory,Music theory,,\n"
)
STUDENTS_CSV = (
    "external_id,full_name,birth_date,classes\n"
    "SIS-S1,Mira K,2015-03-02,SIS-C1;SIS-C2\n"
    "SIS-S2,Oleg K,,SIS-C2\n"
)


def as_(tenant, user) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def csv_post(browser: Client, url: str, text: str, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return browser.post(url + suffix, text.encode(), content_type="text/csv")


def test_a_parent_sees_their_own_child_and_not_another(school, campus):
    with tenant_context(school):
        grade_give(school_class=campus.piano, student=campus.sofia, title="Scales", value=9,
                   comment="", by=campus.teacher)  # fmt: skip
    api = as_(school, campus.clara.user)
    children = api.get("/api/v1/children/").json()
    assert [c["full_name"] for c in children] == ["Sofia P"]
    detail = api.get(f"/api/v1/children/{campus.sofia.pk}/").json()
    assert [g["title"] for g in detail["grades"]] == ["Scales"]
    assert set(detail["attendance"]) == {"present", "late", "absent", "excused"}
    assert api.get(f"/api/v1/children/{campus.lev.pk}/").status_code == 404


def test_a_teacher_sees_their_own_class_only(school, campus):
    api = as_(school, campus.teacher)
    listed = [c["id"] for c in api.get("/api/v1/staff/classes/").json()["results"]]
    assert listed == [campus.piano.pk]
    assert api.get(f"/api/v1/staff/classes/{campus.choir.pk}/").status_code == 404
    detail = api.get(f"/api/v1/staff/classes/{campus.piano.pk}/").json()
    assert {s["full_name"] for s in detail["students"]} == {"Sofia P", "Lev I"}


def test_the_staff_class_list_reads_a_fixed_number_of_queries(school, campus):
    api = as_(school, campus.owner)
    api.get("/api/v1/staff/classes/")
    with CaptureQueriesContext(connection) as before:
        api.get("/api/v1/staff/classes/")
    csv_post(api, CLASSES, CLASSES_CSV)
    with CaptureQueriesContext(connection) as after:
        rows = api.get("/api/v1/staff/classes/").json()["results"]
    assert len(rows) >= 4
    assert len(after) == len(before)


def test_a_teacher_without_the_office_permission_gets_a_403(school, campus):
    answer = csv_post(as_(school, campus.teacher), CLASSES, CLASSES_CSV)
    assert answer.status_code == 403
    with tenant_context(school):
        assert not SchoolClass.objects.filter(external_id="SIS-C1").exists()


def test_the_office_imports_classes_and_students_once(school, campus):
    office = as_(school, campus.owner)
    # a preview writes nothing
    preview = csv_post(office, CLASSES, CLASSES_CSV, dry_run="true")
    assert preview.json() == {"written": False, "created": ["SIS-C1", "SIS-C2"],
                              "updated": [], "unchanged": []}  # fmt: skip
    with tenant_context(school):
        assert not SchoolClass.objects.filter(external_id="SIS-C1").exists()
    # the import, then the students
    assert csv_post(office, CLASSES, CLASSES_CSV).json()["created"] == ["SIS-C1", "SIS-C2"]
    made = csv_post(office, STUDENTS, STUDENTS_CSV)
    assert made.status_code == 200, made.content
    # the same files again change nothing
    assert csv_post(office, CLASSES, CLASSES_CSV).json()["unchanged"] == ["SIS-C1", "SIS-C2"]
    assert csv_post(office, STUDENTS, STUDENTS_CSV).json()["unchanged"] == ["SIS-S1", "SIS-S2"]
    with tenant_context(school):
        mira = Student.objects.get(external_id="SIS-S1")
        assert sorted(c.external_id for c in mira.classes.all()) == ["SIS-C1", "SIS-C2"]
        assert SchoolClass.objects.get(external_id="SIS-C1").teacher == campus.teacher
        assert Student.objects.filter(external_id__startswith="SIS-").count() == 2
    # a changed name updates the one student
    renamed = STUDENTS_CSV.replace("Oleg K", "Oleg Kuznetsov")
    assert csv_post(office, STUDENTS, renamed).json()["updated"] == ["SIS-S2"]


def test_refused_lines_are_a_400_with_their_numbers_and_write_nothing(school, campus):
    bad = (
        "external_id,full_name,birth_date,classes\n"
        "SIS-S9,Good Line,,\n"
        ",No Id,,\n"
        "SIS-S10,,2999-01-01,NOPE\n"
        "SIS-S9,Twice,,\n"
    )
    answer = csv_post(as_(school, campus.owner), STUDENTS, bad)
    assert answer.status_code == 400
    lines = {row["line"]: row["errors"] for row in answer.json()["lines"]}
    assert sorted(lines) == [3, 4, 5]
    assert len(lines[4]) == 3  # no name, a birth date to come, an unknown class
    with tenant_context(school):
        assert not Student.objects.filter(external_id="SIS-S9").exists()


def test_files_that_are_not_csv_are_a_400(school, campus):
    office = as_(school, campus.owner)
    assert csv_post(office, STUDENTS, "").status_code == 400
    assert csv_post(office, STUDENTS, "name\nSofia\n").status_code == 400
    assert csv_post(office, STUDENTS, "a\x00b").status_code == 400
    not_utf8 = office.post(STUDENTS, b"\xff\xfe\x00", content_type="text/csv")
    assert not_utf8.status_code == 400
    as_json = office.post(STUDENTS, json.dumps({"a": 1}), content_type="application/json")
    assert as_json.status_code == 415
    assert csv_post(office, STUDENTS, STUDENTS_CSV, dry_run="maybe").status_code == 400


def test_school_ids_mean_nothing_in_a_hotel(hotel, campus):
    with tenant_context(hotel):
        staff = UserFactory(email="desk@hotel.example.com", is_staff=True)
        role_set(user=staff, role=StaffProfile.Role.ADMIN)
    api = as_(hotel, staff)
    assert api.get(f"/api/v1/staff/classes/{campus.piano.pk}/").status_code == 404
    assert csv_post(api, CLASSES, CLASSES_CSV).status_code == 404


def test_one_class_name_twice_in_a_file_is_a_refused_line_not_a_500(school, campus):
    twice = "external_id,name,subject,room,teacher_email\nA1,Harp,Harp,,\nA2,Harp,Harp,,\n"
    answer = csv_post(as_(school, campus.owner), CLASSES, twice)
    assert answer.status_code == 400
    assert [row["line"] for row in answer.json()["lines"]] == [3]
