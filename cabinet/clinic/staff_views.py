"""The back office of appointments: a day's schedule per specialist (a specialist sees only
their own), an appointment with the client's earlier visits, the visit's summary and documents;
the specialists, their weekly hours, breaks and days off (for those who edit the schedule); the
booking rules (read by all staff, changed by those with clinic.change_bookingrules)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.clinic import selectors
from cabinet.clinic.files import serve_document
from cabinet.clinic.forms import (
    BookingRulesForm,
    DayOffForm,
    DocumentForm,
    HoursForm,
    SpecialistEditForm,
    SpecialistForm,
    VisitForm,
)
from cabinet.clinic.services import (
    appointment_cancel,
    booking_rules_save,
    day_off_add,
    document_add,
    hours_add,
    hours_remove,
    specialist_create,
    specialist_update,
    visit_record,
)
from cabinet.rendering import render_cabinet
from cabinet.verticals import vertical_required

clinic_page = vertical_required("clinic")


@require_GET
@staff_required
@clinic_page
def schedule(request: HttpRequest) -> HttpResponse:
    day = selectors.parse_day(request.GET.get("date", "")) or timezone.localdate()
    people = list(selectors.staff_specialists(request.user))
    chosen = None
    if request.GET.get("specialist"):
        chosen = selectors.staff_specialist(request.user, request.GET["specialist"])
        if chosen is None:
            raise Http404
    rows = list(selectors.staff_day(request.user, day, chosen))
    columns = [
        (person, [a for a in rows if a.specialist_id == person.pk])
        for person in people
        if chosen is None or person == chosen
    ]
    context = {
        "day": day,
        "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
        "columns": columns,
        "specialists": people,
        "chosen": chosen,
        "all": selectors.sees_all(request.user),
    }
    return render_cabinet(request, "clinic/staff_schedule.html", context)


def _appointment_or_404(request: HttpRequest, pk: int):
    found = selectors.staff_appointment(request.user, pk)
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@staff_required
@clinic_page
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    found = _appointment_or_404(request, pk)
    visit_form = VisitForm(
        request.POST if request.POST.get("form") == "visit" else None,
        initial={"summary": found.summary},
    )
    document_form = DocumentForm(
        request.POST if request.POST.get("form") == "document" else None, request.FILES or None
    )
    documents_allowed = request.user.has_perm("clinic.view_visit_documents")
    if request.method == "POST":
        form = visit_form if request.POST.get("form") == "visit" else document_form
        if form.is_valid():
            try:
                if form is visit_form:
                    visit_record(appointment=found, by=request.user, **form.cleaned_data)
                    messages.success(request, _("The visit is recorded."))
                else:
                    data = form.cleaned_data
                    document_add(
                        appointment=found,
                        kind=data["kind"],
                        title=data["title"],
                        upload=data["file"],
                        by=request.user,
                    )
                    messages.success(request, _("The document is added; the client is told."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return HttpResponseRedirect(
                    reverse("clinic-staff:appointment", args=[pk]), status=303
                )
    status = 400 if request.method == "POST" else 200
    context = {
        "appointment": found,
        "visit_form": visit_form,
        "document_form": document_form,
        "documents_allowed": documents_allowed,
        "history": selectors.staff_history(request.user, found)[:20],
    }
    return render_cabinet(request, "clinic/staff_appointment.html", context, status=status)


@require_POST
@staff_required
@clinic_page
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _appointment_or_404(request, pk)
    try:
        appointment_cancel(appointment=found, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Cancelled; a payment goes back the way it came."))
    return HttpResponseRedirect(reverse("clinic-staff:appointment", args=[pk]), status=303)


@require_GET
@staff_required
@clinic_page
def document(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.staff_document(request.user, pk)
    if found is None:
        raise Http404
    return serve_document(found, request)


@require_http_methods(["GET", "POST"])
@staff_required
@clinic_page
def specialists(request: HttpRequest) -> HttpResponse:
    editor = request.user.has_perm("clinic.manage_schedule")
    form = SpecialistForm(request.POST if request.method == "POST" else None) if editor else None
    if request.method == "POST":
        if not editor:
            raise PermissionDenied("the schedule's editors' work")
        if form.is_valid():
            try:
                created = specialist_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return HttpResponseRedirect(
                    reverse("clinic-staff:specialist", args=[created.pk]), status=303
                )
    context = {"specialists": selectors.staff_specialists(request.user), "form": form}
    status = 400 if request.method == "POST" else 200
    return render_cabinet(request, "clinic/staff_specialists.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
@clinic_page
def specialist(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.staff_specialist(request.user, pk)
    if found is None:
        raise Http404
    editor = request.user.has_perm("clinic.manage_schedule")
    which = request.POST.get("form", "")
    hours_form = HoursForm(request.POST if which == "hours" else None)
    off_form = DayOffForm(request.POST if which == "off" else None)
    edit_form = SpecialistEditForm(request.POST if which == "edit" else None, instance=found)
    if request.method == "POST":
        if not editor:
            raise PermissionDenied("the schedule's editors' work")
        try:
            if which == "remove":
                hours_remove(
                    specialist=found, pk=int(request.POST.get("row", "0") or 0), by=request.user
                )
                return HttpResponseRedirect(request.path, status=303)
            form = {"hours": hours_form, "off": off_form, "edit": edit_form}.get(which)
            if form is not None and form.is_valid():
                if form is hours_form:
                    hours_add(specialist=found, by=request.user, **form.cleaned_data)
                elif form is off_form:
                    day_off_add(specialist=found, by=request.user, **form.cleaned_data)
                else:
                    data = form.cleaned_data
                    specialist_update(
                        specialist=found,
                        title=data["title"],
                        services=list(data["services"]),
                        is_active=data["is_active"],
                        by=request.user,
                    )
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(request.path, status=303)
        except (ValidationError, ValueError, OverflowError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [_("Check the form.")])))
    status = 400 if request.method == "POST" else 200
    context = {
        "specialist": found,
        "hours": found.hours.all(),
        "days_off": found.days_off.filter(date__gte=timezone.localdate()),
        "editor": editor,
        "hours_form": hours_form,
        "off_form": off_form,
        "edit_form": edit_form,
    }
    return render_cabinet(request, "clinic/staff_specialist.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
@clinic_page
def booking_rules(request: HttpRequest) -> HttpResponse:
    """The booking windows in the client's words; a form for those who may change them."""
    current = selectors.rules()
    editor = request.user.has_perm("clinic.change_bookingrules")
    form = None
    if editor:
        form = BookingRulesForm(
            request.POST if request.method == "POST" else None, instance=current
        )
    if request.method == "POST":
        if not editor:
            raise PermissionDenied("the booking rules' editors' work")
        if form.is_valid():
            try:
                booking_rules_save(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("The booking rules are saved; clients book by them now.")
                )
                return HttpResponseRedirect(reverse("clinic-staff:booking-rules"), status=303)
        current = selectors.rules()  # the saved rules, not the rejected ones the form holds
    status = 400 if request.method == "POST" else 200
    context = {"rules": current, "form": form, "editor": editor}
    return render_cabinet(request, "clinic/staff_booking_rules.html", context, status=status)
