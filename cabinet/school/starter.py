"""A new school's starter classes and their weekly timetable, for the office to edit (teachers
are assigned once the staff join). Runs in the school template schema."""

import datetime

from cabinet.school.models import Lesson, SchoolClass

CLASSES = [
    # name, subject, room, [(weekday, start hour, minutes long)]
    ("Piano, grade 1", "Piano", "Room 1", [(1, 16, 45), (4, 16, 45)]),
    ("Piano, grade 2", "Piano", "Room 1", [(2, 17, 45), (5, 17, 45)]),
    ("Music theory A", "Music theory", "Room 3", [(3, 16, 60)]),
    ("Children's choir", "Choir", "Hall", [(2, 15, 60), (6, 10, 90)]),
]


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
