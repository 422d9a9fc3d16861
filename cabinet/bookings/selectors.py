"""Reads of events and bookings: the events ahead with their places taken, the month calendar,
a client's bookings (filtered, paged) and one of them, always scoped to that client."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cabinet.bookings.models import Booking, Event

if TYPE_CHECKING:
    from cabinet.accounts.models import ClientProfile


def _with_places_taken(events: "QuerySet[Event]") -> "QuerySet[Event]":
    """The seats of confirmed bookings on each event, as `taken`, which `Event.places_left`
    reads (the one place "places left" is computed)."""
    return events.annotate(
        taken=Coalesce(
            Sum("bookings__seats", filter=Q(bookings__status=Booking.Status.CONFIRMED)), 0
        )
    )


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    count: int  # events that day

    @property
    def dots(self) -> str:
        return "•" * min(self.count, 3)


@dataclass(frozen=True)
class CalendarMonth:
    first: date
    weeks: list[list["CalendarDay"]]
    days: list[tuple[date, list[Event]]]  # the days that have events, in order
    previous: date
    next: date


def event_calendar(month: date) -> CalendarMonth:
    """A month of events laid out in weeks (Monday first), in the current time zone; two
    queries whatever the number of events."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(following, time.min, tzinfo=zone)
    events = _with_places_taken(
        Event.objects.filter(starts_at__gte=start, starts_at__lt=end)
    ).order_by("starts_at")
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(timezone.localtime(event.starts_at).date(), []).append(event)
    weeks = [
        [CalendarDay(day, day.month == first.month, len(by_day.get(day, []))) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    return CalendarMonth(
        first=first, weeks=weeks, days=sorted(by_day.items()),
        previous=(first - timedelta(days=1)).replace(day=1), next=following,
    )  # fmt: skip


def upcoming_events() -> "QuerySet[Event]":
    return _with_places_taken(Event.objects.filter(starts_at__gte=timezone.now())).order_by(
        "starts_at"
    )


def client_bookings_by_event(
    client: "ClientProfile", events: "Iterable[Event] | None" = None
) -> dict[int, "Booking"]:
    """The client's live (not cancelled) booking of each event, by the event's id (one query)."""
    bookings = client_bookings(client).exclude(status=Booking.Status.CANCELLED)
    if events is not None:
        bookings = bookings.filter(event__in=list(events))
    return {booking.event_id: booking for booking in bookings}


def client_bookings(client: "ClientProfile") -> "QuerySet[Booking]":
    return Booking.objects.filter(client=client).select_related("event").order_by("-created_at")


def client_bookings_filtered(
    client: "ClientProfile", *, when: str = "", status: str = ""
) -> "QuerySet[Booking]":
    """The client's history of bookings: `when` is upcoming, past or visits (the ones they came
    to, checked in at the door); `status` one of Booking's. Unknown values mean "any"."""
    # each event with its places taken (Event.places_left), in one more query for the page
    with_places = models.Prefetch("event", queryset=_with_places_taken(Event.objects.all()))
    bookings = (
        client_bookings(client)
        .select_related(None)
        .prefetch_related(with_places)
        .order_by("-event__starts_at", "-pk")
    )
    if status in Booking.Status.values:
        bookings = bookings.filter(status=status)
    now = timezone.now()
    if when == "upcoming":
        return bookings.filter(event__starts_at__gte=now).order_by("event__starts_at", "pk")
    if when == "past":
        return bookings.filter(event__starts_at__lt=now)
    if when == "visits":
        return bookings.filter(checked_in_at__isnull=False)
    return bookings


def client_booking(client: "ClientProfile", pk: object) -> "Booking | None":
    try:
        return client_bookings(client).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None
