"""The school vertical: the office makes classes, students and enrolments; a teacher takes
attendance, sets homework and gives grades in their own classes only; a parent links to their
children with the pairing code and sees, never submits. Nothing crosses to another family,
another teacher's class or another cabinet."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.school.models import Attendance, Grade, Homework, Student
from cabinet.school.services import grade_give, homework_add, student_create
from rbac.models import AuditEntry, User
from tests.factories import UserFactory


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def test_a_parent_sees_their_childs_grade_homework_and_timetable(school, campus):
    with tenant_context(school):
        grade_give(
            school_class=campus.piano,
            student=campus.sofia,
            title="Scales",
            value=9,
            comment="Even tempo",
            by=campus.teacher,
        )
        grade_give(
            school_class=campus.piano,
            student=campus.lev,
            title="Scales",
            value=4,
            comment="Lev's comment",
            by=campus.teacher,
        )
        homework_add(
            school_class=campus.piano,
            title="Minuet, bars 1-16",
            description="Slowly",
            due_date=timezone.localdate() + dt.timedelta(days=2),
            by=campus.teacher,
        )
    browser = as_(school, campus.clara.user)

    listing = browser.get("/children/").content.decode()
    page = browser.get(f"/children/{campus.sofia.pk}/").content.decode()

    assert "Sofia P" in listing
    assert "Lev I" not in listing
    assert "Scales" in page
    assert "Even tempo" in page
    assert "Lev&#x27;s comment" not in page  # another child's grade
    assert "Minuet, bars 1-16" in page
    assert "Piano, grade 2" in page  # the timetable
    # seeing, never submitting: the child's page has no form of its own
    content = page.split("<h1>", 1)[1].split('<footer class="footer">', 1)[0]
    assert 'method="post"' not in content


def test_a_parent_never_reaches_another_family_or_submits(school, campus):
    browser = as_(school, campus.clara.user)

    assert browser.get(f"/children/{campus.lev.pk}/").status_code == 404
    assert browser.post(f"/children/{campus.sofia.pk}/", {"grade": "10"}).status_code == 405
    assert browser.get("/staff/classes/").status_code == 403


def test_pairing_with_a_wrong_code_is_refused_and_guessing_is_limited(school, campus):
    cache.clear()
    with tenant_context(school):
        newcomer = ClientProfile.objects.create(user=UserFactory(email="new@family.example.com"))
    browser = as_(school, newcomer.user)

    wrong = browser.post("/children/", {"code": "NOTACODE"})
    hostile = browser.post("/children/", {"code": "<script>" * 10})
    right = browser.post("/children/", {"code": campus.sofia.pairing_code.lower()})

    assert wrong.status_code == 400
    assert "No child has this code." in wrong.content.decode()
    assert hostile.status_code == 400
    assert right.status_code == 302
    for _attempt in range(10):
        browser.post("/children/", {"code": "WRONG123"})
    limited = browser.post("/children/", {"code": campus.lev.pairing_code})
    assert "Too many tries" in limited.content.decode()
    with tenant_context(school):
        assert list(Student.objects.filter(parents=newcomer)) == [campus.sofia]
        assert AuditEntry.objects.filter(action="school.pairing_failed").exists()


def test_a_teacher_works_in_their_class_only(school, campus):
    desk = as_(school, campus.teacher)
    today = timezone.localdate()

    listing = desk.get("/staff/classes/").content.decode()
    assert "Piano, grade 2" in listing
    assert "Children&#x27;s choir" not in listing
    assert desk.get(f"/staff/classes/{campus.choir.pk}/").status_code == 404
    assert (
        desk.post(
            f"/staff/classes/{campus.choir.pk}/grades/",
            {"student": campus.lev.pk, "title": "x", "value": 5},
        ).status_code
        == 404
    )
    marked = desk.post(
        f"/staff/classes/{campus.piano.pk}/attendance/",
        {
            "date": today.isoformat(),
            f"mark-{campus.sofia.pk}": "present",
            f"mark-{campus.lev.pk}": "absent",
        },
    )
    graded = desk.post(
        f"/staff/classes/{campus.piano.pk}/grades/",
        {"student": campus.sofia.pk, "title": "Etude", "value": 8},
    )
    set_work = desk.post(
        f"/staff/classes/{campus.piano.pk}/homework/",
        {"title": "Etude", "due_date": (today + dt.timedelta(days=3)).isoformat()},
    )

    assert (marked.status_code, graded.status_code, set_work.status_code) == (302, 302, 302)
    with tenant_context(school):
        assert Attendance.objects.filter(school_class=campus.piano, date=today).count() == 2
        assert Grade.objects.filter(student=campus.sofia, title="Etude", value=8).exists()
        assert Homework.objects.filter(school_class=campus.piano, title="Etude").exists()
    # the office's work is not the teacher's
    assert desk.get("/staff/students/").status_code == 403
    assert desk.post(
        f"/staff/classes/{campus.piano.pk}/enrol/", {"student": campus.lev.pk}
    ).status_code in (302, 403)
    with tenant_context(school):
        assert not AuditEntry.objects.filter(
            action="school.enrolled", actor=campus.teacher
        ).exists()


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("grades", {"title": "x", "value": "11"}, "less than or equal to 10"),
        ("grades", {"title": "<b>x</b>", "value": "5"}, "without &lt; or &gt;"),
        ("homework", {"title": "Old", "due_date": "2000-01-01"}, "Homework is due today or later."),
        ("attendance", {"date": "2999-01-01"}, "Attendance is taken on the day or after it."),
        ("attendance", {"date": "nope"}, "Choose the day."),
        ("attendance", {"date": "2024-01-01", "mark-abc": "present"}, "Mark only the students"),
        ("attendance", {"date": "2024-01-01", "mark-1": "sleeping"}, "Mark only the students"),
    ],
)
def test_bad_class_input_is_refused_with_a_message(school, campus, url, data, message):
    desk = as_(school, campus.teacher)
    if url == "grades":
        data = {**data, "student": campus.sofia.pk}

    response = desk.post(f"/staff/classes/{campus.piano.pk}/{url}/", data, follow=True)

    assert message in response.content.decode()
    with tenant_context(school):
        assert not Grade.objects.exists()
        assert not Homework.objects.filter(title="Old").exists()


def test_a_grade_for_a_student_outside_the_class_is_refused(school, campus):
    with tenant_context(school):
        outsider = student_create(full_name="Out Sider", birth_date=None, by=campus.owner)
    desk = as_(school, campus.teacher)

    response = desk.post(
        f"/staff/classes/{campus.piano.pk}/grades/",
        {"student": outsider.pk, "title": "x", "value": 5},
        follow=True,
    )

    assert "Select a valid choice" in response.content.decode()
    with tenant_context(school):
        assert not Grade.objects.filter(student=outsider).exists()


def test_the_office_adds_a_student_and_gets_a_pairing_code(school, campus):
    desk = as_(school, campus.owner)

    added = desk.post("/staff/students/", {"full_name": "Nina New"}, follow=True)

    with tenant_context(school):
        nina = Student.objects.get(full_name="Nina New")
    assert nina.pairing_code in added.content.decode()
    assert len(nina.pairing_code) == 8
    enrolled = desk.post(f"/staff/classes/{campus.piano.pk}/enrol/", {"student": nina.pk})
    assert enrolled.status_code == 302
    assert "Nina New" in desk.get(f"/staff/classes/{campus.piano.pk}/").content.decode()


def test_other_cabinets_have_no_school_pages(hotel, school, campus):
    with tenant_context(hotel):
        guest = ClientProfile.objects.create(user=UserFactory(email="g@guest.example.com"))
        owner = User.objects.get(email="owner@hotel.example.com")
    browser, desk = as_(hotel, guest.user), as_(hotel, owner)

    assert browser.get("/children/").status_code == 404
    assert browser.get(f"/children/{campus.sofia.pk}/").status_code == 404
    assert desk.get("/staff/classes/").status_code == 404
    assert desk.get(f"/staff/classes/{campus.piano.pk}/").status_code == 404
    # and the hotel's guest cannot pair with the school's child
    assert browser.post("/children/", {"code": campus.sofia.pairing_code}).status_code == 404


def test_the_childs_page_costs_the_same_whatever_the_record(
    school, campus, django_assert_max_num_queries
):
    browser = as_(school, campus.clara.user)
    with tenant_context(school):
        for n in range(6):
            grade_give(
                school_class=campus.piano,
                student=campus.sofia,
                title=f"Test {n}",
                value=7,
                comment="",
                by=campus.teacher,
            )
    browser.get(f"/children/{campus.sofia.pk}/")

    with django_assert_max_num_queries(12):
        assert browser.get(f"/children/{campus.sofia.pk}/").status_code == 200
