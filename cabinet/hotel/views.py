"""A hotel guest's pages: the stay, guided step by step; online check-in; earlier stays with
what was ordered; the resort map."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cabinet.access import client_of
from cabinet.bookings import selectors as bookings_selectors
from cabinet.bookings.models import Booking, Event
from cabinet.content.models import InfoPage
from cabinet.hotel import selectors
from cabinet.hotel.forms import CheckInForm
from cabinet.hotel.models import Stay
from cabinet.hotel.services import stay_check_in
from cabinet.orders.models import Order
from cabinet.rendering import render_cabinet
from cabinet.verticals import vertical_required

hotel_page = vertical_required("hotel")


def _steps(stay: Stay) -> list[dict[str, object]]:
    """The guide a new guest follows: what is done and what is next."""
    checked_in = stay.checked_in_online_at is not None
    arrived = stay.status in (Stay.Status.IN_HOUSE, Stay.Status.DEPARTED)
    return [
        {"title": _("Check in online"), "done": checked_in or arrived,
         "text": _("Your details and document now, so the key is ready when you arrive.")},
        {"title": _("Arrive"), "done": arrived,
         "text": _("Reception is open around the clock; say your reservation code.")},
        {"title": _("Your room"), "done": stay.room_id is not None,
         "text": _("We assign it before you arrive and show it here.")},
        {"title": _("Enjoy your stay"), "done": stay.status == Stay.Status.DEPARTED,
         "text": _("Order extras, book excursions and ask us anything here.")},
    ]  # fmt: skip


@dataclass(frozen=True)
class EventForStay:
    event: Event
    booking: Booking | None  # the guest's, when they have booked it
    seats: int  # what one tap books for the party; 0: sold out
    total: Decimal  # those places at the event's price


def _events_for(stay: Stay) -> list[EventForStay]:
    """The next excursions and events, as the stay page offers them."""
    events = list(bookings_selectors.upcoming_events()[:4])
    booked = bookings_selectors.client_bookings_by_event(stay.client, events)
    offers = []
    for event in events:
        seats = max(0, min(stay.guests, event.max_seats_per_booking, event.places_left))
        offers.append(EventForStay(event, booked.get(event.pk), seats, event.price * seats))
    return offers


def _stay_page(request: HttpRequest, stay: Stay) -> HttpResponse:
    included, extras = selectors.stay_offer(stay)
    context = {
        "stay": stay,
        "room": selectors.room_for(stay),
        "steps": _steps(stay),
        "included": included,
        "extras": extras,
        "orders": selectors.stay_orders(stay),
        "events": _events_for(stay),
        "pages": InfoPage.objects.filter(is_published=True, kind=InfoPage.Kind.INFO)[:6],
        "payments": Order.Payment.choices,
        "today": timezone.localdate(),
    }
    return render_cabinet(request, "hotel/stay.html", context)


@require_GET
@login_required
@hotel_page
def stay_home(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    stay = selectors.stay_now_or_next(client, timezone.localdate())
    if stay is None:
        past = selectors.past_stays_with_orders(client, timezone.localdate())
        return render_cabinet(request, "hotel/stay_list.html", {"past": past, "no_stay": True})
    return _stay_page(request, stay)


@require_GET
@login_required
@hotel_page
def stay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stay = selectors.client_stay(client_of(request), pk)
    if stay is None:
        raise Http404
    return _stay_page(request, stay)


@require_http_methods(["GET", "POST"])
@login_required
@hotel_page
def stay_check_in_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    stay = selectors.client_stay(client, pk)
    if stay is None:
        raise Http404
    if not stay.can_check_in_online:
        messages.info(request, _("This stay can no longer be checked in online."))
        return HttpResponseRedirect(reverse("hotel:stay-detail", args=[stay.pk]))
    initial = {
        "guest_name": stay.guest_name or request.user.get_full_name(),
        "birth_date": stay.guest_birth_date or client.birth_date,
        "citizenship": stay.citizenship,
        "document_number": stay.document_number,
        "arrival_time": stay.arrival_time,
    }
    form = CheckInForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stay_check_in(
                stay=stay, guest_name=data["guest_name"], birth_date=data["birth_date"],
                citizenship=data["citizenship"], document_number=data["document_number"],
                arrival_time=data["arrival_time"], upload=data.get("document"),
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error("document" if exc.code != "closed" else None, exc)
        else:
            messages.success(request, _("Thank you! You are checked in: see you soon."))
            return HttpResponseRedirect(reverse("hotel:stay-detail", args=[stay.pk]))
    status = 400 if request.method == "POST" else 200
    return render_cabinet(
        request, "hotel/check_in.html", {"stay": stay, "form": form}, status=status
    )


@require_GET
@login_required
@hotel_page
def stay_list(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    today = timezone.localdate()
    context = {
        "current": selectors.stay_now_or_next(client, today),
        "past": selectors.past_stays_with_orders(client, today),
    }
    return render_cabinet(request, "hotel/stay_list.html", context)


@require_GET
@login_required
@hotel_page
def resort_map(request: HttpRequest) -> HttpResponse:
    return render_cabinet(request, "hotel/map.html", {"map": selectors.resort_map()})
