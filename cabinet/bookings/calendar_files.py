"""Calendar files (.ics) made with `icalendar`: it escapes the text, folds long lines at 75
octets and writes the event's time zone (a VTIMEZONE) so a calendar shows local time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone


def event_ics(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    location: str = "",
    description: str = "",
    producer: str = "Kabinet",
) -> bytes:
    """One event as an .ics file, its times in `zone` (the cabinet's)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Kabinet//{producer}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts_at.astimezone(zone))
    event.add("dtend", ends_at.astimezone(zone))
    event.add("summary", title)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
