"""The hotel's first block on the guest's home: the stay they are in, or the next one, with
what to do now (check in online before arriving)."""

from typing import Any

from django.utils import timezone

from cabinet.accounts.models import ClientProfile
from cabinet.hotel.selectors import room_for, stay_now_or_next


def stay_lead(client: ClientProfile | None) -> dict[str, Any] | None:
    today = timezone.localdate()
    stay = stay_now_or_next(client, today) if client is not None else None
    if stay is None:
        return None
    return {
        "stay": stay,
        "room": room_for(stay),
        "days_to_arrival": (stay.arrival - today).days,
        "here": stay.arrival <= today,
    }
