"""A shop customer's pages: returns (self-service, refunded as store credit) and the address
book; an order's delivery shows on the order page (shop/_order_panel.html)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import client_of
from cabinet.checkout.services import quantities_from
from cabinet.rendering import render_cabinet
from cabinet.shop import selectors
from cabinet.shop.forms import AddressForm, ReturnForm
from cabinet.shop.services import (
    address_delete,
    address_save,
    return_deadline,
    return_request,
    returnable,
    shipment_address_set,
)
from cabinet.verticals import vertical_required

shop_page = vertical_required("shop")


@require_GET
@login_required
@shop_page
def return_list(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    return render_cabinet(
        request, "shop/returns.html", {"returns": selectors.client_returns(client)[:50]}
    )


@require_http_methods(["GET", "POST"])
@login_required
@shop_page
def return_new(request: HttpRequest, order_pk: int) -> HttpResponse:
    client = client_of(request)
    order = selectors.client_order_for_return(client, order_pk)
    if order is None:
        raise Http404
    allowed = returnable(order)
    form = ReturnForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return_request(
                    client=client, order=order, quantities=quantities_from(request.POST),
                    reason=form.cleaned_data["reason"], comment=form.cleaned_data["comment"],
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Your return is requested: we will answer within a working day.")
                )
                return HttpResponseRedirect(reverse("shop:returns"))
    lines = [(line, allowed.get(line.pk, 0)) for line in order.items.all()]
    context = {"order": order, "lines": lines, "form": form, "open": bool(allowed),
               "deadline": return_deadline(order)}  # fmt: skip
    return render_cabinet(request, "shop/return_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@shop_page
def addresses(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    form = AddressForm(request.POST or None, initial={"recipient": request.user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        try:
            address_save(client=client, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The address is saved."))
            return HttpResponseRedirect(reverse("shop:addresses"))
    status = 400 if request.method == "POST" else 200
    context = {"addresses": client.addresses.all(), "form": form}
    return render_cabinet(request, "shop/addresses.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@shop_page
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    address = selectors.client_address(client, pk)
    if address is None:
        raise Http404
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        address_save(client=client, data=form.cleaned_data, address=address)
        messages.success(request, _("The address is saved."))
        return HttpResponseRedirect(reverse("shop:addresses"))
    status = 400 if request.method == "POST" else 200
    context = {"address": address, "form": form}
    return render_cabinet(request, "shop/address_edit.html", context, status=status)


@require_POST
@login_required
@shop_page
def address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    address = selectors.client_address(client_of(request), pk)
    if address is None:
        raise Http404
    address_delete(address=address)
    messages.success(request, _("The address is removed."))
    return HttpResponseRedirect(reverse("shop:addresses"))


@require_POST
@login_required
@shop_page
def order_deliver_to(request: HttpRequest, order_pk: int) -> HttpResponse:
    client = client_of(request)
    order = selectors.client_order_for_return(client, order_pk)
    address = selectors.client_address(client, request.POST.get("address", ""))
    shipment = getattr(order, "shipment", None) if order else None
    if shipment is None or address is None:
        raise Http404
    try:
        shipment_address_set(shipment=shipment, address=address)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("We will deliver this order to %s.") % address.label)
    return HttpResponseRedirect(reverse("cabinet:order", args=[order.pk]))
