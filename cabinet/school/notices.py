"""What a school tells the parents, on the channels each chose for "My children's grades,
homework and absences": a new grade, new homework, an absence or a late arrival. Each parent
reads it in their own language; notify()'s key makes a repeat (a re-saved register, a retried
task) a no-op."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cabinet.content.translations import tr
from cabinet.notifications.services import in_language_of, notify
from cabinet.school.apps import SCHOOL_EVENT
from cabinet.school.models import Attendance, Grade, Guardianship, Homework, Student

Words = Callable[[Student], tuple[str, str]]  # (title, body), called in the parent's language


def tell_parents(guardianships: QuerySet[Guardianship], *, key: str, words: Words) -> int:
    """Each parent of each child in `guardianships` (one query); the number told. The key
    names the child too: a parent of two children in one class hears of both."""
    told = 0
    for guardianship in guardianships.select_related("parent__user", "student"):
        parent, student = guardianship.parent.user, guardianship.student
        with in_language_of(parent):
            title, body = words(student)
        sent = notify(recipient=parent, event=SCHOOL_EVENT, title=title, body=body,
                      url=reverse("school:child", args=[student.pk]),
                      key=f"school:{key}:{student.pk}:{parent.pk}")  # fmt: skip
        told += sent is not None
    return told


def grade_given(grade: Grade) -> int:
    def words(student: Student) -> tuple[str, str]:
        title = _("%(child)s: %(value)s in %(subject)s") % {
            "child": student.full_name, "value": grade.value,
            "subject": tr(grade.school_class, "subject"),
        }  # fmt: skip
        return title, " — ".join(filter(None, [grade.title, grade.comment]))

    parents = Guardianship.objects.filter(student_id=grade.student_id)
    return tell_parents(parents, key=f"grade:{grade.pk}", words=words)


def marked_missing(attendance: Attendance) -> int:
    """An absence or a late arrival (present and excused tell nobody)."""
    if attendance.status not in (Attendance.Status.ABSENT, Attendance.Status.LATE):
        return 0

    def words(student: Student) -> tuple[str, str]:
        values = {"child": student.full_name,
                  "class": tr(attendance.school_class, "name"),
                  "date": date_format(attendance.date, "WEEKDAY_DAY_FORMAT")}  # fmt: skip
        if attendance.status == Attendance.Status.ABSENT:
            title = _("%(child)s was absent from %(class)s on %(date)s") % values
        else:
            title = _("%(child)s was late for %(class)s on %(date)s") % values
        return title, _("If this is a mistake, write to the school in Messages.")

    parents = Guardianship.objects.filter(student_id=attendance.student_id)
    key = f"attendance:{attendance.pk}:{attendance.status}"
    return tell_parents(parents, key=key, words=words)


def homework_set(homework: Homework) -> int:
    """The parents of every student of the class (called by a worker: a class is many
    families)."""

    def words(student: Student) -> tuple[str, str]:
        title = _("Homework in %(subject)s for %(child)s: %(title)s") % {
            "subject": tr(homework.school_class, "subject"), "child": student.full_name,
            "title": homework.title,
        }  # fmt: skip
        due = _("Due %(date)s.") % {"date": date_format(homework.due_date, "WEEKDAY_DAY_FORMAT")}
        return title, " ".join(filter(None, [due, homework.description[:500]]))

    parents = Guardianship.objects.filter(student__classes=homework.school_class)
    return tell_parents(parents, key=f"homework:{homework.pk}", words=words)
