"""The front desk: arrivals and guests in house, booking a stay for a client, assigning rooms,
moving a stay along, and the online check-in's document (personal data: audited, for staff who
may reveal it)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.hotel import selectors
from cabinet.hotel.forms import RoomChoiceForm, StatusForm, StayForm
from cabinet.hotel.models import Stay
from cabinet.hotel.services import (
    TRANSITIONS,
    map_plan_remove,
    map_plan_set,
    stay_assign_room,
    stay_create,
    stay_set_status,
)
from cabinet.rendering import render_cabinet
from cabinet.verticals import vertical_required
from rbac.audit import audit_record

hotel_page = vertical_required("hotel")


def _stay_or_404(request: HttpRequest, pk: int) -> Stay:
    stay = selectors.staff_stay(request.user, pk)
    if stay is None:
        raise Http404
    return stay


@require_http_methods(["GET", "POST"])
@staff_required
@hotel_page
def stays(request: HttpRequest) -> HttpResponse:
    form = StayForm(request.POST or None, staff=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stay = stay_create(
                client=form.client, arrival=data["arrival"], departure=data["departure"],
                adults=data["adults"], children=data["children"], room_type=data["room_type"],
                included=list(data["included"]), by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Stay %s is booked.") % stay.reservation_code)
            return HttpResponseRedirect(reverse("hotel-staff:stay", args=[stay.pk]))
    today = timezone.localdate()
    visible = selectors.staff_stays(request.user).exclude(status=Stay.Status.CANCELLED)
    context = {
        "form": form,
        "arrivals": visible.filter(arrival__gte=today, status__in=(
            Stay.Status.BOOKED, Stay.Status.CHECKED_IN_ONLINE)).order_by("arrival")[:50],
        "in_house": visible.filter(status=Stay.Status.IN_HOUSE).order_by("departure")[:100],
        "today": today,
    }  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render_cabinet(request, "hotel/staff_stays.html", context, status=status)


@require_GET
@staff_required
@hotel_page
def stay(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay_or_404(request, pk)
    context = {
        "stay": stay,
        "room_form": RoomChoiceForm(initial={"room": stay.room_id}),
        "next_statuses": [
            (value, label) for value, label in Stay.Status.choices
            if value in TRANSITIONS.get(stay.status, set())
        ],
        "orders": selectors.stay_orders(stay),
        "may_see_document": request.user.has_perm("cabinet.view_personal_data"),
    }  # fmt: skip
    return render_cabinet(request, "hotel/staff_stay.html", context)


def _act(request: HttpRequest, stay: Stay, form, action, success: str, invalid: str):
    """A stay page's form: `invalid` when it does not validate, else `action` on its data."""
    if not form.is_valid():
        messages.error(request, invalid)
    else:
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, success)
    return HttpResponseRedirect(reverse("hotel-staff:stay", args=[stay.pk]))


@require_POST
@staff_required
@hotel_page
def stay_room(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay_or_404(request, pk)
    return _act(
        request, stay, RoomChoiceForm(request.POST),
        lambda data: stay_assign_room(stay=stay, room=data["room"], by=request.user),
        _("The room is saved."), _("Choose a room from the list."),
    )  # fmt: skip


@require_POST
@staff_required
@hotel_page
def stay_status(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay_or_404(request, pk)
    return _act(
        request, stay, StatusForm(request.POST),
        lambda data: stay_set_status(stay=stay, to=data["to"], by=request.user),
        _("Saved."), _("Choose what happened."),
    )  # fmt: skip


@require_GET
@staff_required
@hotel_page
def stay_document(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay_or_404(request, pk)
    if not request.user.has_perm("cabinet.view_personal_data"):
        raise PermissionDenied("personal data")
    if not stay.document:
        raise Http404
    audit_record(action="stay.document_viewed", target=stay, request=request)
    response = FileResponse(stay.document.open("rb"), filename=stay.document_name)
    response["Cache-Control"] = "private, no-store"
    return response


class MapPlanForm(forms.Form):
    plan = forms.ImageField(
        label=gettext_lazy("Plan of the resort"),
        help_text=gettext_lazy(
            "A PNG, JPEG or WebP picture of at most 8 MB: a drawing, a site plan, an aerial photo."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp", "data-drop-zone": ""}
        ),
    )


def _require_map_editor(request: HttpRequest) -> None:
    if not request.user.has_perm("hotel.change_mappoint"):
        raise PermissionDenied("change mappoint")


@require_http_methods(["GET", "POST"])
@staff_required
@hotel_page
def map_editor(request: HttpRequest) -> HttpResponse:
    """The owner's plan and its pins: upload a plan; click on it to place a new pin, or on a pin
    to edit it."""
    _require_map_editor(request)
    form = MapPlanForm(request.POST, request.FILES) if request.method == "POST" else MapPlanForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                map_plan_set(upload=form.cleaned_data["plan"], request=request)
            except ValidationError as exc:
                form.add_error("plan", exc)
            else:
                messages.success(request, _("The plan is on the map. Click on it to place pins."))
                return HttpResponseRedirect(reverse("hotel-staff:map"))
        status = 400
    context = {"map": selectors.resort_map(), "form": form}
    return render_cabinet(request, "hotel/staff_map.html", context, status=status)


@require_POST
@staff_required
@hotel_page
def map_plan_delete(request: HttpRequest) -> HttpResponse:
    _require_map_editor(request)
    map_plan_remove(request=request)
    messages.success(request, _("The map shows the bundled drawing again."))
    return HttpResponseRedirect(reverse("hotel-staff:map"))
