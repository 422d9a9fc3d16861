"""Bookings of events: never more seats than the event has (the event row is locked while
counting), a waitlist that moves up when a seat frees, and an .ics for the calendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from billing import limits, usage
from cabinet.accounts.models import ClientProfile
from cabinet.bookings.calendar_files import event_ics
from cabinet.bookings.models import Booking, Event
from cabinet.content.translations import tr
from cabinet.notifications import outgoing
from cabinet.notifications.models import Notification, NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from rbac.audit import audit_record
from rbac.models import User
from rbac.policy import policy_get
from tenants.tasks_base import enqueue_on_commit, task_named


class SoldOut(ValidationError):
    pass


PAID_AT_CHECKOUT = _lazy("This event is paid: confirm and pay for it at checkout.")
PAID_WAITLIST = _lazy("This event is paid and full: its waitlist is not open. Try again later.")


class PaymentRequired(ValidationError):
    """A priced event is booked through its checkout, never by a bare request."""


def client_booking_create(
    *, event: Event, client: ClientProfile, seats: int = 1, waitlist: bool = False
) -> Booking:
    """A client's own request to book (a page or the API): a free event books at once; a paid
    one is refused with PaymentRequired, waitlist included (a promoted place would otherwise be
    confirmed unpaid), so the caller sends the client to the event's checkout."""
    if event.price:
        message = PAID_WAITLIST if waitlist else PAID_AT_CHECKOUT
        raise PaymentRequired(str(message), code="payment_required")
    return booking_create(event=event, client=client, seats=seats, waitlist=waitlist)


def _when_where(event: Event) -> str:
    """ "7 Dec, 14:30 Hall A" in the active language (a notification's body)."""
    when = date_format(timezone.localtime(event.starts_at), "DAY_TIME_FORMAT")
    return f"{when} {tr(event, 'location')}".strip()


def _voucher_later(booking: Booking) -> None:
    build_voucher = task_named("cabinet.build_voucher")

    enqueue_on_commit(build_voucher, booking.pk)


def booking_closes_at(event: Event) -> datetime:
    return event.starts_at - timedelta(minutes=event.cutoff_minutes)


def cancel_deadline(event: Event) -> datetime:
    """Until when a confirmed booking can be cancelled by its client."""
    return event.starts_at - timedelta(minutes=event.cancel_window_minutes)


def outgoing_booking(booking: Booking) -> dict:
    """A booking as the business's systems hear of it (cabinet.notifications.outgoing)."""
    return {"booking": booking.pk, "event": booking.event_id, "client": booking.client_id,
            "seats": booking.seats, "status": booking.status}  # fmt: skip


@transaction.atomic
def booking_create(
    *, event: Event, client: ClientProfile, seats: int = 1, waitlist: bool = False
) -> Booking:
    """Book seats, or (when asked) join the waitlist of a full event, by the event's own rules:
    at most `max_seats_per_booking` places, until `cutoff_minutes` before the start."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if not 1 <= seats <= locked.max_seats_per_booking:
        raise ValidationError(
            _("Book between 1 and %(max)d places.") % {"max": locked.max_seats_per_booking},
            code="seats",
        )
    if locked.starts_at <= timezone.now():
        raise ValidationError(_("This event has already started."), code="past")
    if locked.starts_at <= timezone.now() + timedelta(minutes=locked.cutoff_minutes):
        raise ValidationError(_("Booking for this event has closed."), code="closed")
    if (
        Booking.objects.filter(event=locked, client=client)
        .exclude(status=Booking.Status.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("You have already booked this event."), code="twice")
    free = locked.places_left
    if seats > free:
        if not waitlist:
            raise SoldOut(_("Sold out: no places are left."), code="sold_out")
        status = Booking.Status.WAITLISTED
    else:
        status = Booking.Status.CONFIRMED
    if status == Booking.Status.CONFIRMED and not limits.check("bookings").allowed:
        raise ValidationError(limits.CLIENT_REFUSAL, code="plan_limit")
    booking = Booking.objects.create(event=locked, client=client, seats=seats, status=status)
    if status == Booking.Status.CONFIRMED:
        usage.record("bookings", 1, idempotency_key=f"booking:{booking.pk}")
        _voucher_later(booking)
        with in_language_of(client.user):
            title = _("Booked: %(title)s") % {"title": locked.title}
            body = _when_where(locked)
        notify(
            recipient=client.user, event=NotificationEvent.BOOKING, title=title, body=body,
            url=f"/bookings/{booking.pk}/", key=f"booking:{booking.pk}:confirmed",
        )  # fmt: skip
    audit_record(action=f"booking.{status}", actor=client.user, target=booking,
                 changes={"event": locked.pk, "seats": seats})  # fmt: skip
    outgoing.emit("booking.created", lambda: outgoing_booking(booking))
    return booking


@transaction.atomic
def booking_cancel(
    *, booking: Booking, by_client: bool = True, by: User | None = None
) -> list[Booking]:
    """Cancel; a paid booking is refunded in full, the way it was paid (a client may cancel
    only until the event's free-cancellation deadline; staff at any time). The freed places go
    to the waitlist in order. The promoted bookings."""
    locked_event = Event.objects.select_for_update().get(pk=booking.event_id)
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status == Booking.Status.CANCELLED:
        return []
    deadline = cancel_deadline(locked_event)
    if by_client and locked.status == Booking.Status.CONFIRMED and timezone.now() > deadline:
        raise ValidationError(_("It is too late to cancel this booking."), code="window")
    locked.status = Booking.Status.CANCELLED
    locked.save(update_fields=["status"])
    audit_record(action="booking.cancelled", actor=locked.client.user, target=locked)
    _refund_paid(locked, by=by)
    outgoing.emit("booking.cancelled", lambda: outgoing_booking(locked))
    promoted = []
    free = locked_event.places_left
    for waiting in locked_event.bookings.filter(status=Booking.Status.WAITLISTED).order_by(
        "created_at", "id"
    ):
        if waiting.seats > free:
            continue
        waiting.status = Booking.Status.CONFIRMED
        waiting.save(update_fields=["status"])
        usage.record("bookings", 1, idempotency_key=f"booking:{waiting.pk}")
        _voucher_later(waiting)
        audit_record(action="booking.promoted", actor_label="system", target=waiting)
        with in_language_of(waiting.client.user):
            title = _("A place freed up: you are booked for %(title)s") % {
                "title": tr(locked_event, "title")
            }
        notify(
            recipient=waiting.client.user, event=NotificationEvent.BOOKING, title=title,
            url=f"/bookings/{waiting.pk}/", key=f"booking:{waiting.pk}:promoted",
        )  # fmt: skip
        free -= waiting.seats
        promoted.append(waiting)
    return promoted


def _refund_paid(booking: Booking, *, by: User | None) -> None:
    from cabinet.checkout.models import Checkout
    from cabinet.checkout.services import checkout_refund

    checkout = Checkout.objects.filter(booking=booking, status=Checkout.Status.PAID).first()
    if checkout is not None and checkout.refundable > 0:
        checkout_refund(checkout=checkout, by=by or booking.client.user,
                        reason="booking cancelled")  # fmt: skip


@transaction.atomic
def booking_check_in(*, booking: Booking, by: User) -> Booking:
    """The guest came: their voucher was checked at the door. Once; a second check shows when
    the first was (a voucher shown twice is noticed)."""
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != Booking.Status.CONFIRMED:
        raise ValidationError(_("Only a confirmed booking can be checked in."), code="status")
    if locked.checked_in_at is None:
        locked.checked_in_at = timezone.now()
        locked.save(update_fields=["checked_in_at"])
        audit_record(action="booking.checked_in", actor=by, target=locked)
        from cabinet.checkout.models import Checkout
        from cabinet.checkout.services import booking_earn_points

        paid = Checkout.objects.filter(booking=locked).first()
        if paid is not None:
            booking_earn_points(checkout=paid)  # came to a paid event: the owner's points
    return locked


def booking_ics(booking: Booking, *, cabinet_name: str, host: str, zone: ZoneInfo) -> bytes:
    event = booking.event
    return event_ics(
        uid=f"booking-{booking.pk}@{host}",
        title=tr(event, "title"),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        zone=zone,
        location=tr(event, "location"),
        description=tr(event, "description"),
        producer=cabinet_name,
    )


def booking_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each confirmed booking once, when its event is within the owner's reminder window
    (and still ahead). Idempotent: notify()'s key makes a second run, or an overlapping one, a
    no-op. The number of reminders sent now."""
    hours = policy_get().booking_reminder_hours
    if not hours:
        return 0
    now = now or timezone.now()
    window = timedelta(hours=hours)
    due = (
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + window,
            # booked inside the window: the confirmation was the reminder
            created_at__lt=F("event__starts_at") - window,
        )
        .select_related("event", "client__user")
        .order_by("event__starts_at", "pk")
    )
    prefix = f"{connection.schema_name}:booking:"
    reminded = set(
        Notification.objects.filter(
            dedupe_key__startswith=prefix,
            dedupe_key__endswith=":reminder",
            created_at__gte=now - window,
        ).values_list("dedupe_key", flat=True)
    )
    sent = 0
    for booking in due.iterator(chunk_size=500):
        if f"{prefix}{booking.pk}:reminder" in reminded:
            continue
        event, user = booking.event, booking.client.user
        when = timezone.localtime(event.starts_at)
        with in_language_of(user):
            title = _("Reminder: %(title)s at %(time)s") % {
                "title": tr(event, "title"),
                "time": date_format(when, "TIME_FORMAT"),
            }
            body = _when_where(event)
        if notify(recipient=user, event=NotificationEvent.BOOKING, title=title,
                  body=body, url="/events/", key=f"booking:{booking.pk}:reminder"):  # fmt: skip
            sent += 1
    return sent
