"""Staff process orders: the open ones of the clients they may see, status by status."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import clients_for, staff_required
from cabinet.custom_fields.models import CustomField
from cabinet.orders.models import Order
from cabinet.orders.services import TRANSITIONS, order_set_status
from cabinet.rendering import render_cabinet
from rbac.models import User

OPEN = (Order.Status.NEW, Order.Status.ACCEPTED, Order.Status.IN_PROGRESS)


def orders_for(staff: User) -> QuerySet[Order]:
    return (
        Order.objects.filter(client__in=clients_for(staff).values("pk"))
        .select_related("client__user")
        .prefetch_related("items")
        .order_by("created_at")
    )


@require_GET
@staff_required
def order_queue(request: HttpRequest) -> HttpResponse:
    orders = [
        (order, sorted(TRANSITIONS.get(order.status, set())))
        for order in orders_for(request.user).filter(status__in=OPEN)[:200]
    ]
    has_fields = CustomField.objects.filter(target="order", active=True).exists()
    return render_cabinet(
        request, "staff/orders.html", {"orders": orders, "has_fields": has_fields}
    )


@require_POST
@staff_required
def order_move(request: HttpRequest, pk: int) -> HttpResponse:
    order = orders_for(request.user).filter(pk=pk).first()
    if order is None:
        raise Http404
    try:
        order_set_status(order=order, to=request.POST.get("to", ""), by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return HttpResponseRedirect(reverse("staff:orders"))
