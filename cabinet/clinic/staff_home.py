"""What the appointments vertical adds to the staff home: today's visits this person sees (their
own, or every specialist's), and, while no specialist takes bookings, the steps that open the
cabinet to them: services to book, a specialist who gives them, their weekly hours, and a look at
the booking rules. One query while the calendar is open; three more while it is not."""

import datetime
from dataclasses import dataclass
from typing import Any

from cabinet.clinic.models import Service, Specialist
from cabinet.clinic.selectors import staff_day
from rbac.models import User

LIST_LENGTH = 8


@dataclass(frozen=True)
class OpeningStep:
    key: str  # services, specialist, hours
    done: bool
    may: bool  # this person may do it (else the step is shown without its link)


def _opening_steps(user: User) -> list[OpeningStep]:
    schedules = user.has_perm("clinic.manage_schedule")
    return [
        OpeningStep(
            "services",
            Service.objects.filter(item__is_active=True).exists(),
            user.has_perm("clinic.change_service"),
        ),
        OpeningStep(
            "specialist",
            Specialist.objects.filter(is_active=True, services__item__is_active=True).exists(),
            schedules,
        ),
        OpeningStep("hours", False, schedules),  # not bookable yet: nobody has hours
    ]


def next_actions(*, user: User, today: datetime.date) -> dict[str, Any]:
    bookable = Specialist.objects.filter(is_active=True, hours__isnull=False).exists()
    visits = staff_day(user, today).order_by("starts", "pk")
    return {
        "visits_today": list(visits[:LIST_LENGTH]),
        "no_specialist": not bookable,
        "opening_steps": [] if bookable else _opening_steps(user),
        "may_schedule": user.has_perm("clinic.manage_schedule"),
    }
