"""What the appointments vertical adds to the staff home: today's visits this person sees (their
own, or every specialist's), and, while no specialist takes bookings, the step that opens the
cabinet to them."""

import datetime
from typing import Any

from cabinet.clinic.models import Specialist
from cabinet.clinic.selectors import staff_day
from rbac.models import User

LIST_LENGTH = 8


def next_actions(*, user: User, today: datetime.date) -> dict[str, Any]:
    bookable = Specialist.objects.filter(is_active=True, hours__isnull=False).exists()
    visits = staff_day(user, today).order_by("starts", "pk")
    return {
        "visits_today": list(visits[:LIST_LENGTH]),
        "no_specialist": not bookable,
        "may_schedule": user.has_perm("clinic.manage_schedule"),
    }
