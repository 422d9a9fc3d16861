"""The owner's outgoing webhooks: the addresses that hear of orders and bookings, each with its
signing secret, and the log of deliveries, any of which can be sent again."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import owner_required
from cabinet.notifications.models import WebhookDelivery, WebhookEndpoint
from cabinet.notifications.outgoing import EVENTS, endpoint_add, endpoint_remove, replay
from cabinet.rendering import render_cabinet


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("Address (https://…)"), max_length=500)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Send"), choices=list(EVENTS.items()),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@owner_required
def webhooks(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("url", exc)
        else:
            messages.success(request, _("The address is added."))
            return HttpResponseRedirect(reverse("staff:webhooks"))
    status = 400 if request.method == "POST" else 200
    context = {
        "endpoints": WebhookEndpoint.objects.all(),
        "deliveries": WebhookDelivery.objects.select_related("endpoint")[:50],
        "form": form,
        "events": EVENTS,
    }
    response = render_cabinet(request, "staff/webhooks.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page shows signing secrets
    return response


@require_POST
@owner_required
def webhook_remove(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    endpoint_remove(endpoint=endpoint, by=request.user)
    messages.success(request, _("The address is removed."))
    return HttpResponseRedirect(reverse("staff:webhooks"))


@require_POST
@owner_required
def webhook_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = WebhookDelivery.objects.filter(pk=pk).select_related("endpoint").first()
    if delivery is None:
        raise Http404
    replay(delivery=delivery, by=request.user)
    messages.success(request, _("It is being sent again."))
    return HttpResponseRedirect(reverse("staff:webhooks"))
