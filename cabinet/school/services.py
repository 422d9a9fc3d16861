"""What changes a school's records: classes, students and enrolment (the office), attendance,
homework and grades (the class's teacher), and a parent's link to their child (the pairing
code). One transaction each, audited."""

import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.school import notices
from cabinet.school.models import (
    Attendance,
    Enrolment,
    Grade,
    Guardianship,
    Homework,
    Lesson,
    SchoolClass,
    Student,
)
from cabinet.school.tasks import tell_parents_of_homework
from rbac.audit import audit_record
from rbac.models import User
from tenants import signing
from tenants.tasks_base import enqueue_on_commit

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PAIRING_TRIES_PER_HOUR = 10


def teaches(staff: User, school_class: SchoolClass) -> bool:
    """The staff policy for classes: the class's own teacher, or whoever sees every class."""
    return school_class.teacher_id == staff.pk or staff.has_perm("school.view_all_classes")


def _require_teacher(staff: User, school_class: SchoolClass) -> None:
    if not teaches(staff, school_class):
        raise PermissionDenied("not this teacher's class")


def require_office(staff: User) -> None:
    if not staff.has_perm("school.manage_classes"):
        raise PermissionDenied("the school office's work")


@transaction.atomic
def class_create(*, name: str, subject: str, teacher: User | None, room: str, by: User):
    require_office(by)
    if teacher is not None and not teacher.is_staff:
        raise ValidationError(_("A teacher is a member of staff."), code="teacher")
    try:
        with transaction.atomic():
            school_class = SchoolClass.objects.create(
                name=name, subject=subject, teacher=teacher, room=room
            )
    except IntegrityError as exc:
        raise ValidationError(_("There is a class with this name already."), code="name") from exc
    audit_record(action="school.class_created", actor=by, target=school_class)
    return school_class


def class_texts_save(*, school_class: SchoolClass, by: User) -> SchoolClass:
    """The class's name, subject and room and their translations, as the office edited them."""
    require_office(by)
    try:
        with transaction.atomic():
            school_class.save(update_fields=["name", "subject", "room", "translations"])
    except IntegrityError as exc:
        raise ValidationError(_("There is a class with this name already."), code="name") from exc
    audit_record(action="school.class_changed", actor=by, target=school_class)
    return school_class


@transaction.atomic
def lesson_add(*, school_class: SchoolClass, weekday: int, starts, ends, by: User) -> Lesson:
    require_office(by)
    if ends <= starts:
        raise ValidationError(_("A lesson ends after it starts."), code="times")
    lesson = Lesson.objects.create(school_class=school_class, weekday=weekday, starts=starts,
                                   ends=ends)  # fmt: skip
    audit_record(action="school.lesson_added", actor=by, target=school_class)
    return lesson


@transaction.atomic
def student_create(*, full_name: str, birth_date: datetime.date | None, by: User) -> Student:
    require_office(by)
    for _attempt in range(5):
        code = signing.code_mint(CODE_ALPHABET, CODE_LENGTH)
        try:
            with transaction.atomic():
                student = Student.objects.create(
                    full_name=full_name, birth_date=birth_date, pairing_code=code
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover — 31^8 codes
        raise ValidationError(_("Please try again."), code="code")
    audit_record(action="school.student_created", actor=by, target=student)
    return student


@transaction.atomic
def enrol(*, student: Student, school_class: SchoolClass, by: User) -> Enrolment:
    require_office(by)
    enrolment, created = Enrolment.objects.get_or_create(student=student,
                                                         school_class=school_class)  # fmt: skip
    if created:
        audit_record(action="school.enrolled", actor=by, target=school_class,
                     changes={"student": student.pk})  # fmt: skip
    return enrolment


def _pairing_allowed(parent: ClientProfile) -> bool:
    key = f"school-pairing:{parent.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 3700)
    return cache.incr(key) <= PAIRING_TRIES_PER_HOUR


def parent_pair(*, parent: ClientProfile, code: str) -> Student:
    """Link the parent to the child whose pairing code the school gave them. Ten tries an hour,
    so codes cannot be guessed; a wrong code is audited (outside any transaction of ours, so
    the refusal does not take the record with it)."""
    if not _pairing_allowed(parent):
        raise ValidationError(_("Too many tries: please try again in an hour."), code="rate")
    code = "".join(code.split()).upper()[: CODE_LENGTH + 4]
    student = Student.objects.filter(pairing_code=code).first()
    if student is None:
        audit_record(action="school.pairing_failed", actor=parent.user)
        raise ValidationError(
            _("No child has this code. Check it with the school office."), code="unknown"
        )
    with transaction.atomic():
        _link, created = Guardianship.objects.get_or_create(student=student, parent=parent)
        if created:
            audit_record(action="school.parent_linked", actor=parent.user, target=student)
    return student


def _enrolled(school_class: SchoolClass) -> set[int]:
    return set(Enrolment.objects.filter(school_class=school_class)
               .values_list("student_id", flat=True))  # fmt: skip


@transaction.atomic
def attendance_record(
    *, school_class: SchoolClass, date: datetime.date, marks: dict[int, str], by: User
) -> int:
    _require_teacher(by, school_class)
    if date > timezone.localdate():
        raise ValidationError(_("Attendance is taken on the day or after it."), code="future")
    if not set(marks) <= _enrolled(school_class):
        raise ValidationError(_("Mark only the students of this class."), code="student")
    if not set(marks.values()) <= set(Attendance.Status.values):
        raise ValidationError(_("Choose present, late, absent or excused."), code="status")
    for student_id, status in marks.items():
        Attendance.objects.update_or_create(
            school_class=school_class, student_id=student_id, date=date,
            defaults={"status": status, "recorded_by": by},
        )  # fmt: skip
    audit_record(action="school.attendance", actor=by, target=school_class,
                 changes={"date": str(date), "marked": len(marks)})  # fmt: skip
    missing = Attendance.objects.filter(
        school_class=school_class, date=date, student_id__in=marks,
        status__in=(Attendance.Status.ABSENT, Attendance.Status.LATE),
    ).select_related("student", "school_class")  # fmt: skip
    for attendance in missing:
        notices.marked_missing(attendance)
    return len(marks)


@transaction.atomic
def homework_add(
    *, school_class: SchoolClass, title: str, description: str, due_date, by: User
) -> Homework:
    _require_teacher(by, school_class)
    if due_date < timezone.localdate():
        raise ValidationError(_("Homework is due today or later."), code="past")
    homework = Homework.objects.create(school_class=school_class, title=title,
                                       description=description, due_date=due_date,
                                       created_by=by)  # fmt: skip
    audit_record(action="school.homework", actor=by, target=school_class,
                 changes={"title": title})  # fmt: skip
    enqueue_on_commit(tell_parents_of_homework, homework.pk)
    return homework


@transaction.atomic
def grade_give(
    *, school_class: SchoolClass, student: Student, title: str, value: int, comment: str,
    by: User,
) -> Grade:  # fmt: skip
    _require_teacher(by, school_class)
    if student.pk not in _enrolled(school_class):
        raise ValidationError(_("This student is not in this class."), code="student")
    grade = Grade.objects.create(school_class=school_class, student=student, title=title,
                                 value=value, comment=comment, given_by=by)  # fmt: skip
    audit_record(action="school.grade", actor=by, target=school_class,
                 changes={"student": student.pk, "value": value})  # fmt: skip
    notices.grade_given(grade)
    return grade
