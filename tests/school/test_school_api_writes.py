"""A teacher's writes through the API — attendance, homework, grades — with the class page's
forms and services: only on their own classes (another's is a 404), attendance idempotent,
malformed requests a 400 naming the field, what the class's state refuses a 409."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.school.models import Attendance, Grade, Homework
from rbac.models import AuditEntry
from tests.conftest import host_of


def as_(tenant, user) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def post(browser: Client, url: str, body: object):
    return browser.post(url, json.dumps(body), content_type="application/json")


def url(school_class, what: str) -> str:
    return f"/api/v1/staff/classes/{school_class.pk}/{what}/"


def test_a_teacher_takes_attendance_and_the_same_marks_again_change_nothing(school, campus):
    # given
    api = as_(school, campus.teacher)
    today = timezone.localdate().isoformat()
    body = {"date": today, "marks": [{"student": campus.sofia.pk, "status": "present"},
                                     {"student": campus.lev.pk, "status": "absent"}]}  # fmt: skip

    # when
    first = post(api, url(campus.piano, "attendance"), body)
    again = post(api, url(campus.piano, "attendance"), body)
    body["marks"][1]["status"] = "excused"
    corrected = post(api, url(campus.piano, "attendance"), body)

    # then
    assert first.status_code == 200, first.content
    assert first.json() == again.json()
    assert {row["student"]: row["status"] for row in corrected.json()} == {
        campus.sofia.pk: "present", campus.lev.pk: "excused"}  # fmt: skip
    with tenant_context(school):
        assert Attendance.objects.filter(school_class=campus.piano).count() == 2
        assert AuditEntry.objects.filter(action="school.attendance").count() == 3


def test_a_teacher_sets_homework_and_gives_a_grade(school, campus):
    # given
    api = as_(school, campus.teacher)
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    # when
    homework = post(
        api,
        url(campus.piano, "homework"),
        {"title": "Scales in G", "description": "Ten minutes a day", "due_date": due},
    )
    grade = post(api, url(campus.piano, "grades"),
                 {"student": campus.sofia.pk, "title": "Scales", "value": 9})  # fmt: skip

    # then
    assert homework.status_code == 201, homework.content
    assert homework.json()["title"] == "Scales in G"
    assert homework.json()["school_class"] == "Piano, grade 2"
    assert grade.status_code == 201, grade.content
    assert (grade.json()["student"], grade.json()["value"]) == (campus.sofia.pk, 9)
    with tenant_context(school):
        assert Homework.objects.get(pk=homework.json()["id"]).created_by == campus.teacher
        assert Grade.objects.get(pk=grade.json()["id"]).given_by == campus.teacher
    parent = as_(school, campus.clara.user)
    seen = parent.get(f"/api/v1/children/{campus.sofia.pk}/").json()
    assert [g["title"] for g in seen["grades"]] == ["Scales"]
    assert "Scales in G" in [h["title"] for h in seen["homework"]]


def test_another_teachers_class_is_a_404_and_writes_nothing(school, campus):
    # given
    api = as_(school, campus.teacher)  # Elena teaches piano, not the choir
    today = timezone.localdate().isoformat()

    # when
    answers = [
        post(api, url(campus.choir, "attendance"),
             {"date": today, "marks": [{"student": campus.lev.pk, "status": "absent"}]}),
        post(api, url(campus.choir, "homework"), {"title": "Sing", "due_date": today}),
        post(api, url(campus.choir, "grades"),
             {"student": campus.lev.pk, "title": "Song", "value": 5}),
    ]  # fmt: skip

    # then
    assert [a.status_code for a in answers] == [404, 404, 404]
    with tenant_context(school):
        assert not Attendance.objects.filter(school_class=campus.choir).exists()
        assert not Homework.objects.filter(school_class=campus.choir).exists()
        assert not Grade.objects.filter(school_class=campus.choir).exists()


def test_a_client_is_refused_the_staff_writes(school, campus):
    answer = post(as_(school, campus.clara.user), url(campus.piano, "grades"),
                  {"student": campus.sofia.pk, "title": "Self-given", "value": 10})  # fmt: skip
    assert answer.status_code == 403


TODAY = "today"


@pytest.mark.parametrize(
    ("what", "body", "field"),
    [
        ("attendance", {"date": TODAY, "marks": []}, "marks"),
        ("attendance", {"date": TODAY, "marks": [{"student": "1", "status": "present"}]},
         "marks"),
        ("attendance", {"date": TODAY, "marks": [{"student": 1, "status": "asleep"}]}, "marks"),
        ("attendance", {"date": "31.12.2024", "marks": [{"student": 1, "status": "present"}]},
         "date"),
        ("attendance", {"date": TODAY, "marks": "sofia"}, "marks"),
        ("homework", {"title": "<b>Loud</b>", "due_date": TODAY}, "title"),
        ("homework", {"title": "   ", "due_date": TODAY}, "title"),
        ("homework", {"title": "Read", "due_date": 20260101}, "due_date"),
        ("grades", {"student": 1, "title": "Scales", "value": 11}, "value"),
        ("grades", {"student": 1, "title": "Scales", "value": True}, "value"),
        ("grades", {"student": 1, "title": "Scales", "value": "9"}, "value"),
        ("grades", {"title": "Scales", "value": 9}, "student"),
    ],
)  # fmt: skip
def test_malformed_writes_are_a_400_naming_the_field(school, campus, what, body, field):
    # given
    body = {k: timezone.localdate().isoformat() if v == TODAY else v for k, v in body.items()}

    # when
    answer = post(as_(school, campus.teacher), url(campus.piano, what), body)

    # then
    assert answer.status_code == 400, answer.content
    assert field in answer.json()


def test_a_student_of_another_class_is_a_400_and_the_same_student_twice_too(school, campus):
    # given
    api = as_(school, campus.teacher)
    with tenant_context(school):
        from cabinet.school.services import student_create

        outsider = student_create(full_name="Ivan Outside", birth_date=None, by=campus.owner)
    today = timezone.localdate().isoformat()

    # when
    grade = post(
        api, url(campus.piano, "grades"), {"student": outsider.pk, "title": "Scales", "value": 7}
    )
    marks = post(
        api,
        url(campus.piano, "attendance"),
        {"date": today, "marks": [{"student": outsider.pk, "status": "present"}]},
    )
    twice = post(
        api,
        url(campus.piano, "attendance"),
        {
            "date": today,
            "marks": [
                {"student": campus.sofia.pk, "status": "present"},
                {"student": campus.sofia.pk, "status": "late"},
            ],
        },
    )

    # then
    assert grade.status_code == 400
    assert "student" in grade.json()
    assert marks.status_code == 400
    assert "student" in marks.json()
    assert twice.status_code == 400
    assert "marks" in twice.json()


def test_what_the_calendar_refuses_is_a_409(school, campus):
    # given
    api = as_(school, campus.teacher)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    # when
    future = post(
        api,
        url(campus.piano, "attendance"),
        {"date": tomorrow, "marks": [{"student": campus.sofia.pk, "status": "late"}]},
    )
    overdue = post(api, url(campus.piano, "homework"), {"title": "Late", "due_date": yesterday})

    # then
    assert future.status_code == 409
    assert future.json()["detail"]
    assert overdue.status_code == 409
    assert overdue.json()["detail"]


def test_attendance_for_a_whole_class_reads_a_fixed_number_of_queries(school, campus):
    # given
    api = as_(school, campus.teacher)
    today = timezone.localdate().isoformat()
    one = {"date": today, "marks": [{"student": campus.sofia.pk, "status": "present"}]}
    two = {"date": today, "marks": [{"student": campus.sofia.pk, "status": "present"},
                                    {"student": campus.lev.pk, "status": "present"}]}  # fmt: skip
    post(api, url(campus.piano, "attendance"), two)

    # when
    with CaptureQueriesContext(connection) as small:
        post(api, url(campus.piano, "attendance"), one)
    with CaptureQueriesContext(connection) as large:
        post(api, url(campus.piano, "attendance"), two)

    # then: a mark more is one update_or_create more (its savepoint, a locked read and a write);
    # the rest does not grow with the class
    assert len(large) - len(small) == 4
