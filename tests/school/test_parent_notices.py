"""Parents hear of what the school records about their child — a grade, homework, an absence
or a late arrival — in their own language, on the channels they chose; nobody else's parents
do, and a re-saved register tells nobody twice."""

import datetime as dt

from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.notifications.models import Notification, NotificationSettings
from cabinet.school.apps import SCHOOL_EVENT
from cabinet.school.services import attendance_record, grade_give, homework_add, parent_pair
from rbac.models import User
from tests.factories import UserFactory
from tests.school.test_school import as_


def school_notes(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event=SCHOOL_EVENT))


def test_a_grade_reaches_that_childs_parents_only(school, campus):
    with tenant_context(school):
        grade = grade_give(school_class=campus.piano, student=campus.sofia, title="Scales",
                           value=9, comment="Even tempo", by=campus.teacher)  # fmt: skip
        (note,) = school_notes(campus.clara.user)
        assert note.title == "Sofia P: 9 in Piano"
        assert "Scales" in note.body
        assert note.url == f"/children/{campus.sofia.pk}/"
        assert school_notes(campus.daria.user) == []
        assert grade.pk


def test_a_parent_reads_it_in_their_own_language(school, campus):
    with tenant_context(school):
        User.objects.filter(pk=campus.clara.user_id).update(language="ru")
        campus.clara.user.refresh_from_db()
        attendance_record(school_class=campus.piano, date=timezone.localdate(),
                          marks={campus.sofia.pk: "absent"}, by=campus.teacher)  # fmt: skip
        (note,) = school_notes(campus.clara.user)
        assert note.title.startswith("Sofia P: пропуск")


def test_absent_and_late_are_told_once_present_is_not(school, campus):
    today = timezone.localdate()
    with tenant_context(school):
        marks = {campus.sofia.pk: "late", campus.lev.pk: "present"}
        attendance_record(school_class=campus.piano, date=today, marks=marks, by=campus.teacher)
        attendance_record(school_class=campus.piano, date=today, marks=marks, by=campus.teacher)
        (late,) = school_notes(campus.clara.user)
        assert "was late for" in late.title
        assert school_notes(campus.daria.user) == []
        # corrected to absent: that is news
        attendance_record(school_class=campus.piano, date=today,
                          marks={campus.sofia.pk: "absent"}, by=campus.teacher)  # fmt: skip
        assert len(school_notes(campus.clara.user)) == 2


def test_homework_reaches_every_family_of_the_class_through_a_worker(
    school,
    campus,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    with tenant_context(school), django_capture_on_commit_callbacks(execute=True):
        homework_add(school_class=campus.choir, title="Learn the second verse",
                     description="Page 12.", due_date=timezone.localdate() + dt.timedelta(days=3),
                     by=campus.other_teacher)  # fmt: skip
    with tenant_context(school):
        (note,) = school_notes(campus.daria.user)  # Lev sings in the choir; Sofia does not
        assert note.title == "Homework in Choir for Lev I: Learn the second verse"
        assert "Page 12." in note.body
        assert school_notes(campus.clara.user) == []


def test_a_parent_who_turned_it_off_hears_nothing(school, campus):
    with tenant_context(school):
        NotificationSettings.objects.create(user=campus.clara.user, channels={"school": []})
        grade_give(school_class=campus.piano, student=campus.sofia, title="Scales", value=9,
                   comment="", by=campus.teacher)  # fmt: skip
        assert school_notes(campus.clara.user) == []


def test_the_choice_is_offered_in_a_schools_cabinet_only(school, hotel, campus):
    label = "grades, homework and absences"
    assert label in as_(school, campus.clara.user).get("/account/notifications/").content.decode()
    with tenant_context(hotel):
        guest = UserFactory()
    assert label not in as_(hotel, guest).get("/account/notifications/").content.decode()


def test_a_parent_of_two_children_in_the_class_hears_of_both(
    school, campus, eager_tasks, django_capture_on_commit_callbacks
):
    with tenant_context(school):
        parent_pair(parent=campus.clara, code=campus.lev.pairing_code)  # Lev is hers too
    with tenant_context(school), django_capture_on_commit_callbacks(execute=True):
        homework_add(school_class=campus.piano, title="Scales in D", description="",
                     due_date=timezone.localdate() + dt.timedelta(days=2),
                     by=campus.teacher)  # fmt: skip
    with tenant_context(school):
        titles = sorted(n.title for n in school_notes(campus.clara.user))
        assert titles == ["Homework in Piano for Lev I: Scales in D",
                          "Homework in Piano for Sofia P: Scales in D"]  # fmt: skip
        assert len(school_notes(campus.daria.user)) == 1
