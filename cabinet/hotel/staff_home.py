"""What a hotel adds to the staff home: today's arrivals and online check-ins to review, among
the guests this person may see."""

import datetime
from typing import Any

from cabinet.hotel.models import Stay
from cabinet.hotel.selectors import staff_stays
from rbac.models import User

LIST_LENGTH = 8


def next_actions(*, user: User, today: datetime.date) -> dict[str, Any]:
    stays = staff_stays(user)
    return {
        "arrivals": list(
            stays.filter(
                arrival=today, status__in=(Stay.Status.BOOKED, Stay.Status.CHECKED_IN_ONLINE)
            ).order_by("arrival_time", "pk")[:LIST_LENGTH]
        ),
        "to_review": list(
            stays.filter(status=Stay.Status.CHECKED_IN_ONLINE, arrival__gte=today).order_by(
                "arrival", "pk"
            )[:LIST_LENGTH]
        ),
    }
