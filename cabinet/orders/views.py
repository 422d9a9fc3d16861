"""The client's orders: placing one (through a checkout), their list, one order, cancelling it."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import client_of
from cabinet.checkout.models import Checkout
from cabinet.checkout.placing import order_place
from cabinet.checkout.services import checkout_open_order, quantities_from
from cabinet.documents.models import Document
from cabinet.documents.services import document_link
from cabinet.orders import selectors
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.rendering import render_cabinet


@require_POST
@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    """Place and pay in one post (the older form's way). A refused payment keeps the cart: the
    client lands on its checkout, told why, with a top-up offered."""
    client = client_of(request)
    try:
        wanted = quantities_from(request.POST)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("cabinet:services"))
    try:
        order = order_place(
            client=client,
            wanted=wanted,
            payment=request.POST.get("payment", ""),
            submission_key=request.POST.get("submission_key", "")[:64] or uuid.uuid4().hex,
            note=request.POST.get("note", ""),
            code=request.POST.get("code", "")[:64],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        try:
            kept = checkout_open_order(client=client, wanted=wanted)
        except ValidationError:
            return HttpResponseRedirect(reverse("cabinet:services"))
        return HttpResponseRedirect(reverse("cabinet:checkout", args=[kept.token]), status=303)
    messages.success(request, _("Thank you! Order #%s is placed.") % order.pk)
    return HttpResponseRedirect(reverse("cabinet:order", args=[order.pk]))


@require_GET
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    status = request.GET.get("status", "")[:16]
    page = Paginator(selectors.client_orders(client, status=status), 20).get_page(
        request.GET.get("page")
    )
    return render_cabinet(
        request, "cabinet/order_list.html",
        {"page": page, "status": status, "statuses": Order.Status.choices},
    )  # fmt: skip


@require_GET
@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    order = selectors.client_order(client, pk)
    if order is None:
        raise Http404
    document = Document.objects.filter(order=order).first()
    link = document_link(document, user_id=request.user.pk) if document else None
    paid = Checkout.objects.filter(order=order).first()
    return render_cabinet(
        request, "cabinet/order_detail.html",
        {"order": order, "receipt": link, "document": document, "paid": paid},
    )  # fmt: skip


@require_POST
@login_required
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    order = selectors.client_order(client, pk)
    if order is None:
        raise Http404
    try:
        order_set_status(order=order, to=Order.Status.CANCELLED, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return HttpResponseRedirect(reverse("cabinet:order", args=[order.pk]))
