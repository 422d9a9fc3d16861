"""What a school adds to the staff home: the classes this person may see that have a lesson
today and no attendance taken for it yet."""

import datetime
from typing import Any

from django.db.models import Exists, OuterRef

from cabinet.school.models import Attendance, Lesson
from cabinet.school.selectors import staff_classes
from rbac.models import User

LIST_LENGTH = 8


def next_actions(*, user: User, today: datetime.date) -> dict[str, Any]:
    taken = Attendance.objects.filter(school_class=OuterRef("school_class"), date=today)
    lessons = (
        Lesson.objects.filter(
            weekday=today.isoweekday(),
            school_class__in=staff_classes(user).values("pk"),
        )
        .annotate(taken=Exists(taken))
        .filter(taken=False)
        .select_related("school_class")
        .order_by("starts", "pk")
    )
    return {"attendance_due": list(lessons[:LIST_LENGTH])}
