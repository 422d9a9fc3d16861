"""A new school's starter classes and their weekly timetable, for the office to edit (teachers
are assigned once the staff join). Runs in the school template schema."""

import datetime

from cabinet.bookings.models import Event
from cabinet.catalog.models import PricingUnit
from cabinet.content.models import InfoPage
from cabinet.school.models import Lesson, SchoolClass
from cabinet.verticals import StarterContent

CLASSES = [
    # name, subject, room, [(weekday, start hour, minutes long)]
    ("Piano, grade 1", "Piano", "Room 1", [(1, 16, 45), (4, 16, 45)]),
    ("Piano, grade 2", "Piano", "Room 1", [(2, 17, 45), (5, 17, 45)]),
    ("Music theory A", "Music theory", "Room 3", [(3, 16, 60)]),
    ("Children's choir", "Choir", "Hall", [(2, 15, 60), (6, 10, 90)]),
]

# The common content a new cabinet of this vertical opens with (cabinet.content.starter).
PAGES = [
        ("welcome", InfoPage.Kind.WELCOME, "Welcome, families",
         "Here you see the timetable, your child's homework and grades, and can message "
         "teachers."),
        ("rules", InfoPage.Kind.INFO, "School rules",
         "Lessons start on time; please tell us of an absence before the lesson begins."),
    ]  # fmt: skip

CATALOG = [
        ("Courses", [
            ("Piano, individual", "45-minute lessons with a teacher.", "35.00", PricingUnit.LESSON),
            ("Violin, individual", "45-minute lessons; instruments to borrow.", "35.00",
             PricingUnit.LESSON),
            ("Guitar, individual", "Classical or acoustic.", "32.00", PricingUnit.LESSON),
            ("Music theory, group", "Weekly group class.", "60.00", PricingUnit.MONTH),
            ("Children's choir", "Twice a week, ages 6–12.", "45.00", PricingUnit.MONTH),
            ("Early music, ages 3–5", "Rhythm and singing with a parent.", "40.00",
             PricingUnit.MONTH),
        ]),
        ("For families", [
            ("Open day visit", "Try a lesson before enrolling.", "0", PricingUnit.PERSON),
            ("Exam preparation", "Extra lessons before a graded exam.", "38.00",
             PricingUnit.LESSON),
            ("Practice room, one hour", "A room with a piano, for practice.", "8.00",
             PricingUnit.HOUR),
            ("Instrument rental", "Violin or guitar, per month.", "20.00", PricingUnit.MONTH),
            ("Sheet music pack", "The term's pieces, printed.", "12.00", PricingUnit.ITEM),
            ("Concert ticket", "The end-of-term concert.", "0", PricingUnit.PERSON),
        ]),
    ]  # fmt: skip

REQUEST_TYPES = [
        ("Question from a parent", 240, ["Answer", "Tell the teacher if needed"]),
        ("Absence", 60, ["Record the absence", "Tell the teacher"]),
    ]  # fmt: skip

WELCOME_OFFER = (
    "A free trial lesson for a friend",
    "Bring a friend to any lesson this month; tell the office first.",
)

# Dated starter events, days from provisioning: (kind, title, description, where, day, hour,
# minutes, places, price).
EVENTS = [
        (Event.Kind.CLASS, "Music theory", "Open lesson: bring a notebook.", "Room 3",
         1, 16, 45, 12, "0"),
        (Event.Kind.CLASS, "Choir rehearsal", "Open rehearsal for new singers.", "Hall",
         3, 17, 60, 30, "0"),
        (Event.Kind.EVENT, "Open day", "Try the instruments and meet the teachers.", "Hall",
         6, 11, 180, 60, "0"),
        (Event.Kind.EVENT, "Piano masterclass", "With a guest pianist; families welcome.",
         "Hall", 12, 17, 90, 40, "0"),
        (Event.Kind.EVENT, "End-of-term concert", "Our students on stage.", "Hall",
         19, 18, 120, 120, "0"),
    ]  # fmt: skip


def seed() -> None:
    for name, subject, room, slots in CLASSES:
        school_class = SchoolClass.objects.create(name=name, subject=subject, room=room)
        for weekday, hour, minutes in slots:
            starts = datetime.time(hour)
            ends = (
                datetime.datetime.combine(datetime.date.today(), starts)
                + datetime.timedelta(minutes=minutes)
            ).time()
            Lesson.objects.create(
                school_class=school_class, weekday=weekday, starts=starts, ends=ends
            )


STARTER = StarterContent(
    pages=PAGES,
    catalog=CATALOG,
    request_types=REQUEST_TYPES,
    welcome_offer=WELCOME_OFFER,
    events=EVENTS,
    seed=seed,
)
