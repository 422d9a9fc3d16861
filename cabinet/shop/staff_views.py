"""The shop's back office: parcels to send and track, returns to decide and refund."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import staff_required
from cabinet.rendering import render_cabinet
from cabinet.shop import selectors
from cabinet.shop.forms import DecisionForm, ShipmentForm
from cabinet.shop.models import ReturnRequest, Shipment
from cabinet.shop.services import RETURN_STEPS, return_decide, shipment_update
from cabinet.verticals import vertical_required

shop_page = vertical_required("shop")


@require_GET
@staff_required
@shop_page
def shipments(request: HttpRequest) -> HttpResponse:
    open_ones = (
        selectors.staff_shipments(request.user)
        .exclude(status=Shipment.Status.DELIVERED)
        .order_by("order__created_at")[:100]
    )
    return render_cabinet(
        request, "shop/staff_shipments.html",
        {"shipments": open_ones, "statuses": Shipment.Status.choices},
    )  # fmt: skip


@require_POST
@staff_required
@shop_page
def shipment(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.staff_shipments(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    form = ShipmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the status and the tracking number (4 to 40 letters "
                                  "and digits)."))  # fmt: skip
    else:
        try:
            shipment_update(shipment=found, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Order #%s is updated.") % found.order_id)
    return HttpResponseRedirect(reverse("shop-staff:shipments"))


@require_GET
@staff_required
@shop_page
def returns(request: HttpRequest) -> HttpResponse:
    rows = [
        (item, [(to, ReturnRequest.Status(to).label) for to in RETURN_STEPS.get(item.status, ())])
        for item in selectors.staff_returns(request.user)[:100]
    ]
    return render_cabinet(request, "shop/staff_returns.html", {"rows": rows})


@require_POST
@staff_required
@shop_page
def return_decision(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.staff_returns(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with this return."))
    else:
        try:
            return_decide(request=found, to=form.cleaned_data["to"], by=request.user,
                          note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    return HttpResponseRedirect(reverse("shop-staff:returns"))
