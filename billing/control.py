"""The control panel's plan pages (/control/plans/): platform admins list and edit the plans —
prices, quotas and overage prices. An edited plan reaches Stripe as new prices (billing.plans);
subscriptions already running keep their prices until they change plan.

/control/plans/events/ lists the Stripe events not applied yet — those stuck past the alert
age first, with their tries and last error — and applies one again on request."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import gateway
from billing.models import Plan, StripeEvent
from billing.reports import mrr, overage_to_date, paying_count
from billing.webhooks import stripe_event_apply, stuck_events
from tenants.control import actor_of, platform_admin_required


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "code", "name", "monthly_price", "currency",
            "clients", "staff_seats", "orders_per_month", "bookings_per_month",
            "notifications_per_month", "storage_mb",
            "overage_per_client", "overage_per_staff_seat", "overage_per_order",
            "overage_per_booking", "overage_per_notification", "overage_per_storage_mb",
        ]  # fmt: skip

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("A three-letter ISO currency code, such as EUR.")
        return currency

    def clean_monthly_price(self):
        price = self.cleaned_data["monthly_price"]
        if price < 0:
            raise forms.ValidationError("A price cannot be negative.")
        return price

    def clean(self) -> dict:
        data = super().clean()
        for name, value in list(data.items()):
            if name.startswith("overage_") and value is not None and value < 0:
                self.add_error(name, "A price cannot be negative.")
        return data


@require_GET
@platform_admin_required
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "control/plans.html",
        {
            "plans": Plan.objects.all(),
            "mrr": mrr(),
            "overage": overage_to_date(),
            "paying": paying_count(),
            "stuck": stuck_events().count(),
        },
    )


@require_http_methods(["GET", "POST"])
@platform_admin_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=pk) if pk else None
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if gateway.is_configured():
            from billing.tasks import sync_plan

            sync_plan.delay(saved.pk)
        messages.success(request, f"Plan {saved.name} saved by {actor_of(request).label}.")
        return HttpResponseRedirect(reverse("billing-control:plans"))
    return render(
        request,
        "control/plan_form.html",
        {"form": form, "plan": plan},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@platform_admin_required
def stripe_events(request: HttpRequest) -> HttpResponse:
    pending = StripeEvent.objects.filter(outcome=StripeEvent.Outcome.PENDING).order_by(
        "received_at", "id"
    )
    return render(
        request,
        "control/stripe_events.html",
        {
            "stuck": list(stuck_events()[:100]),
            "pending": list(pending[:100]),
            "skipped": list(StripeEvent.objects.filter(outcome=StripeEvent.Outcome.SKIPPED)[:20]),
        },
    )


@require_POST
@platform_admin_required
def stripe_event_retry(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(StripeEvent, pk=pk)
    try:
        outcome = stripe_event_apply(event.pk)  # network: no transaction is open here
    except Exception as exc:  # shown to the admin, kept on the event; Sentry has the trace
        messages.error(request, f"Event {event.event_id} failed again: {type(exc).__name__}.")
    else:
        messages.success(
            request, f"Event {event.event_id}: {outcome} (by {actor_of(request).label})."
        )
    return HttpResponseRedirect(reverse("billing-control:events"))
