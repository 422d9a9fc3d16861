import datetime

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cabinet.accounts.models import ClientProfile
from cabinet.content.translations import TranslationSource
from cabinet.school.models import Attendance, Grade, Homework, Lesson, SchoolClass, Student
from rbac.models import User


def _one(queryset: QuerySet, pk: object):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


def parent_children(parent: ClientProfile) -> QuerySet[Student]:
    return Student.objects.filter(parents=parent).prefetch_related("classes")


def parent_child(parent: ClientProfile, pk: object) -> Student | None:
    return _one(parent_children(parent), pk)


def child_overview(student: Student, today: datetime.date) -> dict[str, object]:
    """A child's week as their parent sees it (five queries whatever the history)."""
    classes = list(student.classes.select_related("teacher"))
    lessons = list(Lesson.objects.filter(school_class__in=classes).select_related("school_class"))
    recent, last_week = today - datetime.timedelta(days=30), today - datetime.timedelta(days=7)
    attendance = (
        Attendance.objects.filter(student=student, date__gte=recent)
        .values("status")
        .annotate(n=Count("id"))
    )
    return {
        "classes": classes,
        "lessons": lessons,
        "homework": list(
            Homework.objects.filter(
                school_class__in=classes, due_date__gte=last_week
            ).select_related("school_class")[:30]
        ),
        "grades": list(Grade.objects.filter(student=student).select_related("school_class")[:20]),
        "attendance": {row["status"]: row["n"] for row in attendance},
    }


def staff_classes(staff: User) -> QuerySet[SchoolClass]:
    """The classes this staff member may see: the ones they teach, or all (the office)."""
    classes = SchoolClass.objects.select_related("teacher").annotate(size=Count("students"))
    if staff.has_perm("school.view_all_classes"):
        return classes
    return classes.filter(Q(teacher=staff))


def staff_class(staff: User, pk: object) -> SchoolClass | None:
    return _one(staff_classes(staff), pk)


def translation_sources(user: User) -> list[TranslationSource]:
    """The classes, for the missing-translations page: the office edits their names and
    subjects (cabinet.hooks.TRANSLATION_SOURCES)."""
    if not user.has_perm("school.manage_classes"):
        return []
    return [
        TranslationSource(
            gettext_lazy("School classes"),
            SchoolClass.objects.all(),
            lambda obj: reverse("school-staff:class-edit", args=[obj.pk]),
        )
    ]
