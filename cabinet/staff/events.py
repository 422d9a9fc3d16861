"""Running events from the back office: who is coming (names only of the clients this person
may see), and checking a guest's voucher at the door."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cabinet.access import clients_for, staff_required
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import booking_check_in
from cabinet.custom_fields.models import CustomField
from cabinet.documents.services import booking_for_voucher
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record

VOUCHER_CODE_MAX = 40


@require_GET
@staff_required
def event_bookings(request: HttpRequest, pk: int) -> HttpResponse:
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    bookings = list(
        event.bookings.exclude(status=Booking.Status.CANCELLED)
        .select_related("client__user")
        .order_by("status", "created_at")
    )
    visible = set(
        clients_for(request.user)
        .filter(pk__in=[b.client_id for b in bookings])
        .values_list("pk", flat=True)
    )
    rows = [(b, b.client_id in visible) for b in bookings]
    confirmed = sum(b.seats for b in bookings if b.status == Booking.Status.CONFIRMED)
    audit_record(action="event.bookings_viewed", actor=request.user, target=event, request=request)
    context = {
        "event": event,
        "rows": rows,
        "confirmed": confirmed,
        "has_fields": CustomField.objects.filter(target="booking", active=True).exists(),
    }
    return render_cabinet(request, "staff/event_bookings.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def voucher_check(request: HttpRequest) -> HttpResponse:
    """Type the code on a guest's voucher, or scan its QR code (which opens this page with the
    code): is it a live booking? Checking in is a POST."""
    context: dict[str, object] = {"code": ""}
    status = 200
    given = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" or "code" in given:
        code = given.get("code", "").strip().upper()[:VOUCHER_CODE_MAX]
        booking = booking_for_voucher(code)
        context["code"] = code
        if booking is None or booking.status != Booking.Status.CONFIRMED:
            context["verdict"] = _("Not a valid voucher: no confirmed booking has this code.")
            status = 404 if booking is None else 409
        else:
            already = booking.checked_in_at
            if request.method == "POST" and request.POST.get("action") == "check_in":
                booking = booking_check_in(booking=booking, by=request.user)
            context["booking"] = booking
            context["already_checked_in"] = already
            context["shows_name"] = clients_for(request.user).filter(pk=booking.client_id).exists()
        audit_record(action="voucher.checked", actor=request.user, target=booking,
                     changes={"code": code, "valid": status == 200}, request=request)  # fmt: skip
    return render_cabinet(request, "staff/voucher_check.html", context, status=status)
