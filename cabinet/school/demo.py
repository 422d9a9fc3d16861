"""The demo school at work: a teacher with her classes, the demo parent linked to two children
with grades, homework and attendance, and other families."""

import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone

from cabinet.accounts.models import ClientProfile
from cabinet.demo.seed import DemoTenant
from cabinet.memberships.models import MembershipPlan
from cabinet.school import demo_pictures
from cabinet.school.models import SchoolClass
from cabinet.school.services import (
    attendance_record,
    enrol,
    grade_give,
    homework_add,
    parent_pair,
    student_create,
)
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from rbac.services import client_create

TEACHER_EMAIL = "teacher@school.example.com"
CHILDREN = [
    ("Sofia Parent", ["Piano, grade 2", "Music theory A"]),
    ("Max Parent", ["Children's choir"]),
]
OTHER_FAMILIES = [
    ("Daria Ivanova", "daria@family.example.com", "Lev Ivanov"),
    ("Paul Young", "paul@family.example.com", "Emma Young"),
]


def seed_demo(*, guest: ClientProfile, owner: User, password: str) -> None:
    teacher = User(email=TEACHER_EMAIL, full_name="Elena Teacher", is_staff=True)
    teacher.set_password(password)
    teacher.save()
    EmailAddress.objects.create(user=teacher, email=TEACHER_EMAIL, primary=True, verified=True)
    role_set(user=teacher, role=StaffProfile.Role.OPERATOR)
    SchoolClass.objects.filter(name__in=["Piano, grade 2", "Music theory A"]).update(
        teacher=teacher
    )
    SchoolClass.objects.exclude(teacher=teacher).update(teacher=owner)
    classes = {c.name: c for c in SchoolClass.objects.all()}
    today = timezone.localdate()

    families = [(guest, name, names) for name, names in CHILDREN]
    for parent_name, email, child in OTHER_FAMILIES:
        user = client_create(
            email=email, password=password, full_name=parent_name, email_verified=True
        )
        families.append((ClientProfile.objects.create(user=user), child, ["Piano, grade 2"]))
    for parent, child_name, class_names in families:
        student = student_create(full_name=child_name, birth_date=None, by=owner)
        parent_pair(parent=parent, code=student.pairing_code)
        for name in class_names:
            enrol(student=student, school_class=classes[name], by=owner)

    piano, theory = classes["Piano, grade 2"], classes["Music theory A"]
    roster = list(piano.students.all())
    for days_ago in (14, 10, 7, 3):
        day = today - datetime.timedelta(days=days_ago)
        marks = {
            s.pk: ("late" if days_ago == 7 and i == 0 else "present") for i, s in enumerate(roster)
        }
        attendance_record(school_class=piano, date=day, marks=marks, by=teacher)
    for i, student in enumerate(roster):
        grade_give(
            school_class=piano,
            student=student,
            title="Scales in C and G major",
            value=9 - i,
            comment="Even tempo; keep the wrists loose.",
            by=teacher,
        )
    sofia = piano.students.get(full_name="Sofia Parent")
    grade_give(
        school_class=theory, student=sofia, title="Intervals quiz", value=8, comment="", by=teacher
    )
    homework_add(
        school_class=piano,
        title="Practise the minuet, bars 1–16",
        description="Slowly, hands separately first; 15 minutes a day.",
        due_date=today + datetime.timedelta(days=2),
        by=teacher,
    )
    homework_add(
        school_class=theory,
        title="Worksheet: major scales",
        description="Page 12, exercises 1–4.",
        due_date=today + datetime.timedelta(days=5),
        by=teacher,
    )


# The demo cabinet `make run` seeds (cabinet.demo.seed).
DEMO = DemoTenant(
        slug="school", name="Northfield Music School", vertical="school",
        tagline="Lessons, homework and grades for families.",
        welcome="See the timetable, your child's homework and grades, and message teachers.",
        owner_email="owner@school.example.com", client_email="parent@school.example.com",
        client_name="Clara Parent",
        look={"primary_colour": "#2151a8", "accent_colour": "#ff7a59", "font": "friendly"},
        questions=(
            ("Sofia is ill today and will miss piano.", "Thank you; get well soon, Sofia!"),
            ("When is the winter concert?", "On the 20th at 6 pm, in the big hall."),
            ("Which book does Max need for choir?", "The green songbook; we lend one too."),
            ("Can we move the lesson to Thursday?", "Yes: Thursday at 4 pm from next week."),
        ),
        plan=("Term fee",
              "Lessons, materials and the end-of-term concert.",
              Decimal("450.00"), MembershipPlan.Interval.TERM),
        motif=demo_pictures.keys, emblem=demo_pictures.emblem,
    )  # fmt: skip
