"""The school's answers to rbac's personal-data signals: a parent's children with their grades,
attendance and homework in the parent's export (a teacher's: the classes, marks and homework they
recorded); on deletion the parent is unlinked from the children, whose records are the school's."""

from typing import Any

from django.dispatch import receiver

from cabinet.school.models import Attendance, Grade, Guardianship, Homework, SchoolClass, Student
from cabinet.verticals import current_vertical
from rbac.models import User
from rbac.signals import (
    PersonalDataSection,
    personal_data_erasing,
    personal_data_requested,
    personal_record,
)


def _children_records(user: User) -> list[dict[str, str]]:
    children = Student.objects.filter(parents__user=user).prefetch_related(
        "classes", "grades", "attendance"
    )
    records = []
    for child in children:
        records.append(
            personal_record(
                child=child.full_name,
                birth_date=child.birth_date,
                classes=", ".join(c.name for c in child.classes.all()),
            )
        )
        records += [
            personal_record(
                child=child.full_name, grade=g.title, value=g.value, comment=g.comment, date=g.date
            )
            for g in child.grades.all()
        ]
        records += [
            personal_record(child=child.full_name, attendance=a.date, status=a.status)
            for a in child.attendance.all()
        ]
        records += [
            personal_record(child=child.full_name, homework=h.title, due=h.due_date)
            for h in Homework.objects.filter(school_class__in=child.classes.all())
        ]
    return records


def _teaching_records(user: User) -> list[dict[str, str]]:
    records = [
        personal_record(teaches=c.name, subject=c.subject)
        for c in SchoolClass.objects.filter(teacher=user)
    ]
    records += [
        personal_record(homework_set=h.title, on=h.created_at)
        for h in Homework.objects.filter(created_by=user)
    ]
    records += [
        personal_record(grade_given=g.title, on=g.date) for g in Grade.objects.filter(given_by=user)
    ]
    records += [
        personal_record(attendance_taken=a.date)
        for a in Attendance.objects.filter(recorded_by=user)
    ]
    return records


@receiver(personal_data_requested, dispatch_uid="school-personal-data")
def export_children(sender: type[User], user: User, **kwargs: Any) -> list[PersonalDataSection]:
    if current_vertical() != "school":
        return []
    return [
        PersonalDataSection(
            title="Children, their grades, attendance and homework",
            records=_children_records(user),
            sources=("school.Guardianship", "school.Student"),
        ),
        PersonalDataSection(
            title="Teaching",
            records=_teaching_records(user),
            sources=("school.SchoolClass", "school.Homework", "school.Grade", "school.Attendance"),
        ),
    ]


@receiver(personal_data_erasing, dispatch_uid="school-personal-data-erase")
def unlink_children(sender: type[User], user: User, **kwargs: Any) -> None:
    Guardianship.objects.filter(parent__user=user).delete()
    # A teacher's classes and marks stay the school's; who recorded them is forgotten.
    SchoolClass.objects.filter(teacher=user).update(teacher=None)
    Homework.objects.filter(created_by=user).update(created_by=None)
    Grade.objects.filter(given_by=user).update(given_by=None)
    Attendance.objects.filter(recorded_by=user).update(recorded_by=None)
