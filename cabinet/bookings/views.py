"""The client's events and bookings: the events coming up and their calendar, booking places
(through a checkout), their bookings, cancelling one and adding it to a calendar (.ics)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import back_to, client_of
from cabinet.bookings import selectors
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import (
    booking_cancel,
    booking_ics,
    cancel_deadline,
    client_booking_create,
)
from cabinet.checkout.models import Checkout
from cabinet.checkout.services import checkout_open_booking
from cabinet.content.translations import tr
from cabinet.documents.models import Document
from cabinet.documents.services import document_link
from cabinet.rendering import render_cabinet


@require_GET
@login_required
def events(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    mine = selectors.client_bookings_by_event(client)
    return render_cabinet(
        request,
        "cabinet/events.html",
        {"events": selectors.upcoming_events()[:100], "mine": mine},
    )


MONTH_RANGE_YEARS = 5  # how far the calendar pages back and forth


@require_GET
@login_required
def event_calendar(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    today = timezone.localdate()
    raw, status, month = request.GET.get("month", ""), 200, today.replace(day=1)
    if raw:
        try:
            month = datetime.strptime(raw[:8], "%Y-%m").date()
        except ValueError:
            status, error = 400, _("Give the month as YYYY-MM; here is this month.")
        else:
            if abs(month.year - today.year) > MONTH_RANGE_YEARS:
                status, error = 400, _("That month is too far away; here is this month.")
                month = today.replace(day=1)
        if status == 400:
            messages.error(request, error)
    mine = selectors.client_bookings_by_event(client)
    context = {"month": selectors.event_calendar(month), "mine": mine, "today": today}
    return render_cabinet(request, "cabinet/event_calendar.html", context, status=status)


@require_POST
@login_required
def event_book(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    waitlist = request.POST.get("waitlist") == "1"
    try:
        seats = int(request.POST.get("seats", "1"))
        if event.price and not waitlist:  # a priced event is paid through its checkout
            checkout = checkout_open_booking(event=event, client=client, seats=seats)
            target = reverse("cabinet:checkout", args=[checkout.token])
            return HttpResponseRedirect(target, status=303)
        client_booking_create(event=event, client=client, seats=seats, waitlist=waitlist)
    except ValueError:
        messages.error(request, _("Places are a whole number."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Booked: %s.") % tr(event, "title"))
    return HttpResponseRedirect(back_to(request, reverse("cabinet:events")))


@require_GET
@login_required
def booking_list(request: HttpRequest) -> HttpResponse:
    """The client's bookings, upcoming or past, by status, newest event first."""
    client = client_of(request)
    status = request.GET.get("status", "")[:16]
    when = request.GET.get("when", "")[:8]
    bookings = selectors.client_bookings_filtered(client, when=when, status=status)
    page = Paginator(bookings, 20).get_page(request.GET.get("page"))
    return render_cabinet(
        request, "cabinet/booking_list.html",
        {"page": page, "status": status, "when": when, "statuses": Booking.Status.choices},
    )  # fmt: skip


@require_GET
@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.client_booking(client_of(request), pk)
    if booking is None:
        raise Http404
    document = Document.objects.filter(booking=booking).first()
    now = timezone.now()
    context = {
        "booking": booking,
        "event": booking.event,
        "voucher": document_link(document, user_id=request.user.pk) if document else None,
        "cancel_until": cancel_deadline(booking.event),
        "can_cancel": booking.status != Booking.Status.CANCELLED
        and (booking.status == Booking.Status.WAITLISTED or now <= cancel_deadline(booking.event)),
        "is_past": booking.event.starts_at <= now,
        "paid": Checkout.objects.filter(booking=booking).first(),
    }
    return render_cabinet(request, "cabinet/booking_detail.html", context)


@require_POST
@login_required
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.client_booking(client_of(request), pk)
    if booking is None:
        raise Http404
    try:
        booking_cancel(booking=booking)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your booking is cancelled."))
    return HttpResponseRedirect(reverse("cabinet:booking", args=[booking.pk]))


@require_GET
@login_required
def booking_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.client_booking(client_of(request), pk)
    if booking is None:
        raise Http404
    body = booking_ics(
        booking,
        cabinet_name=connection.tenant.name,
        host=request.get_host(),
        zone=connection.tenant.zone,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    return response
