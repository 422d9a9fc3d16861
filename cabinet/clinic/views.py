"""A client's pages: book (service → specialist or anyone → day → time → confirm, then the
checkout when the service is paid in advance), their appointments, moving and cancelling one
within the windows, and their visit history with its private documents."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import client_of
from cabinet.clinic import selectors
from cabinet.clinic.files import serve_document
from cabinet.clinic.forms import NoteForm
from cabinet.clinic.models import Appointment
from cabinet.clinic.services import appointment_book, appointment_cancel, appointment_reschedule
from cabinet.rendering import render_cabinet
from cabinet.verticals import vertical_required

clinic_page = vertical_required("clinic")
DAYS_SHOWN = 14


def _days(chosen: datetime.date) -> list[datetime.date]:
    today = timezone.localdate()
    last = selectors.window()[1].date()
    start = max(today, min(chosen, last) - datetime.timedelta(days=DAYS_SHOWN // 2))
    return [d for d in (start + datetime.timedelta(days=n) for n in range(DAYS_SHOWN)) if d <= last]


def _chosen_day(request: HttpRequest) -> datetime.date:
    day = selectors.parse_day(request.GET.get("date", "")) if "date" in request.GET else None
    if "date" in request.GET and day is None:
        raise Http404
    return day or timezone.localtime(selectors.window()[0]).date()


@require_GET
@login_required
@clinic_page
def appointments(request: HttpRequest) -> HttpResponse:
    mine = list(selectors.client_appointments(client_of(request)))
    now = timezone.now()
    coming = [a for a in mine if a.is_live and a.ends > now]
    past = sorted((a for a in mine if a not in coming), key=lambda a: a.starts, reverse=True)
    context = {"coming": coming, "past": past}
    return render_cabinet(request, "clinic/appointments.html", context)


@require_GET
@login_required
@clinic_page
def book_service(request: HttpRequest) -> HttpResponse:
    context = {"services": selectors.services(), "step": 1}
    return render_cabinet(request, "clinic/book_service.html", context)


def _service_and_specialist(request: HttpRequest, service: int):
    found = selectors.service(service)
    if found is None:
        raise Http404
    specialist = None
    if request.GET.get("specialist", "any") != "any":
        specialist = selectors.specialist_for(found, request.GET.get("specialist"))
        if specialist is None:
            raise Http404
    return found, specialist


@require_GET
@login_required
@clinic_page
def book_time(request: HttpRequest, service: int) -> HttpResponse:
    found, specialist = _service_and_specialist(request, service)
    day = _chosen_day(request)
    context = {
        "service": found,
        "specialist": specialist,
        "day": day,
        "days": _days(day),
        "specialists": selectors.specialists_for(found),
        "slots": selectors.free_slots(found, day, specialist),
        "step": 2,
    }
    return render_cabinet(request, "clinic/book_time.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@clinic_page
def book_confirm(request: HttpRequest, service: int) -> HttpResponse:
    found, specialist = _service_and_specialist(request, service)
    starts = selectors.parse_slot(request.GET.get("at", ""))
    if starts is None:
        raise Http404
    form = NoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            booked = appointment_book(
                client=client_of(request),
                service=found,
                starts=starts,
                specialist=specialist,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if booked.status == Appointment.Status.HELD:
                messages.info(
                    request,
                    _("Your time is held for %(minutes)d minutes: pay now to confirm it.")
                    % {"minutes": selectors.rules().hold_minutes},
                )
                return HttpResponseRedirect(
                    reverse("cabinet:checkout", args=[booked.checkout.token]), status=303
                )
            messages.success(request, _("Booked. We look forward to seeing you."))
            return HttpResponseRedirect(reverse("clinic:appointment", args=[booked.pk]), status=303)
    status = 400 if request.method == "POST" else 200
    context = {
        "service": found,
        "specialist": specialist,
        "starts": timezone.localtime(starts),
        "at": request.GET.get("at", "")[:16],
        "form": form,
        "step": 3,
    }
    return render_cabinet(request, "clinic/book_confirm.html", context, status=status)


def _mine(request: HttpRequest, pk: int) -> Appointment:
    found = selectors.client_appointment(client_of(request), pk)
    if found is None:
        raise Http404
    return found


@require_GET
@login_required
@clinic_page
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    found = _mine(request, pk)
    now = timezone.now()
    changeable = found.is_live and found.starts - now >= datetime.timedelta(
        hours=selectors.rules().change_hours
    )
    context = {
        "appointment": found,
        "changeable": changeable,
        "change_hours": selectors.rules().change_hours,
        "pay": found.status == Appointment.Status.HELD and found.checkout_id,
    }
    return render_cabinet(request, "clinic/appointment.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@clinic_page
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    found = _mine(request, pk)
    error = ""
    if request.method == "POST":
        starts = selectors.parse_slot(request.POST.get("at", ""))
        if starts is None:
            error = _("Choose a time.")
        else:
            try:
                appointment_reschedule(appointment=found, starts=starts, by=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Moved. The reminder will come before the new time."))
                return HttpResponseRedirect(reverse("clinic:appointment", args=[pk]), status=303)
    day = _chosen_day(request)
    slots = selectors.free_slots(found.service, day, found.specialist, leave_out=found.pk)
    context = {"appointment": found, "day": day, "days": _days(day), "slots": slots, "error": error}
    return render_cabinet(request, "clinic/reschedule.html", context, status=400 if error else 200)


@require_POST
@login_required
@clinic_page
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _mine(request, pk)
    try:
        refunded = appointment_cancel(appointment=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("clinic:appointment", args=[pk]), status=303)
    if refunded:
        messages.success(request, _("Cancelled; the payment goes back the way you paid."))
    else:
        messages.success(request, _("Cancelled."))
    return HttpResponseRedirect(reverse("clinic:appointments"), status=303)


@require_GET
@login_required
@clinic_page
def document(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.client_document(client_of(request), pk)
    if found is None:
        raise Http404
    return serve_document(found, request)
