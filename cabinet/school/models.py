"""A school's families: children (students) with their classes, timetable, attendance, grades
and homework; parents (clients) linked to their children by the school's pairing code, who see
and never submit; teachers (staff) who see only the classes they teach."""

from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.common.translatable import TranslatableMixin

WEEKDAYS = [(1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")),
            (5, _("Friday")), (6, _("Saturday")), (7, _("Sunday"))]  # fmt: skip


class SchoolClass(TranslatableMixin):
    translatable_fields = ("name", "subject")  # as parents see them

    name = models.CharField(_("class"), max_length=80, unique=True)
    subject = models.CharField(_("subject"), max_length=80)
    teacher = models.ForeignKey(
        "rbac.User", verbose_name=_("teacher"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="classes_taught",
        limit_choices_to={"is_staff": True},
    )  # fmt: skip
    room = models.CharField(_("classroom"), max_length=40, blank=True)
    # Its id in the school's student-information system, for imports (blank: made here).
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="school_class_external_id_once",
            )
        ]
        permissions = [
            ("view_all_classes", "Sees every class of the school"),
            ("manage_classes", "Creates classes and students, enrols students"),
        ]

    def __str__(self) -> str:
        return self.name


class Lesson(models.Model):
    """A weekly slot of the class's timetable."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="lessons")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=WEEKDAYS)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        ordering = ("weekday", "starts")
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="school_lesson_ends"),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="school_lesson_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.get_weekday_display()} {self.starts:%H:%M}"


class Student(models.Model):
    full_name = models.CharField(_("full name"), max_length=120)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # Given by the school to the family; a parent links themselves to the child with it.
    pairing_code = models.CharField(max_length=12, unique=True)
    parents = models.ManyToManyField(ClientProfile, through="Guardianship", related_name="children")
    classes = models.ManyToManyField(SchoolClass, through="Enrolment", related_name="students")
    created_at = models.DateTimeField(default=timezone.now)
    custom = models.JSONField(default=dict, blank=True)  # the owner's fields, target "student"
    # Its id in the school's student-information system, for imports (blank: made here).
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        ordering = ("full_name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="school_student_external_id_once",
            )
        ]
        indexes = [GinIndex(fields=["custom"], name="school_student_custom_gin")]

    def __str__(self) -> str:
        return self.full_name


class Guardianship(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE)
    parent = models.ForeignKey(ClientProfile, on_delete=models.CASCADE)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "parent"], name="school_guardian_once")
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.student_id}"


class Enrolment(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE)
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class"], name="school_enrol_once")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} in {self.school_class_id}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices)
    recorded_by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip

    class Meta:
        ordering = ("-date",)
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "student", "date"], name="school_attendance_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.status}"


class Homework(models.Model):
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="homework")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what to do"), max_length=2000, blank=True)
    due_date = models.DateField(_("due"))
    created_by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("due_date", "id")

    def __str__(self) -> str:
        return self.title


class Grade(models.Model):
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="grades")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="grades")
    title = models.CharField(_("for what"), max_length=120)
    value = models.PositiveSmallIntegerField(
        _("grade (1–10)"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    date = models.DateField(default=timezone.localdate)
    given_by = models.ForeignKey("rbac.User", null=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip

    class Meta:
        ordering = ("-date", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=10), name="school_grade_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.title} {self.value}"
