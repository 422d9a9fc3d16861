"""The owner's billing page (/staff/billing/): plan and subscription status, this month's usage
against the plan as a chart, the plans to choose (Stripe Checkout), the billing portal (cards,
plan changes, cancellation) and the invoices. Other staff see the plan and usage only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import gateway, payments
from billing.models import Plan, Subscription
from billing.reports import usage_report
from billing.subscriptions import (
    BillingUnavailable,
    checkout_start,
    invoices_for,
    portal_start,
    subscription_sync,
)
from cabinet.access import owner_required, staff_required
from cabinet.common.storage_quota import storage_use
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record


def _here(request: HttpRequest, query: str = "") -> str:
    return request.build_absolute_uri(reverse("staff:billing")) + query


@require_GET
@staff_required
def billing_overview(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    subscription = Subscription.objects.filter(tenant=tenant).select_related("plan").first()
    is_owner = request.user.is_superuser
    if (
        is_owner
        and request.GET.get("checkout") == "done"
        and subscription
        and subscription.stripe_customer_id
    ):
        # Back from Checkout: read the subscription from Stripe now rather than wait for the
        # webhook, so the page the owner lands on already shows the new plan.
        try:
            subscription_sync(subscription)
            subscription.refresh_from_db()
        except gateway.StripeFailure:
            messages.info(request, _("Your payment is being confirmed; this page updates shortly."))
    if is_owner and request.GET.get("payments") == "connected" and payments.account_for(tenant):
        # Back from Stripe's onboarding: read the account's state now.
        try:
            payments.account_sync(tenant)
        except payments.PaymentFailed:
            messages.info(
                request, _("Stripe is confirming your account; this page updates shortly.")
            )
    return render_cabinet(
        request,
        "staff/billing.html",
        {
            "report": usage_report(tenant),
            "subscription": subscription,
            "plans": Plan.objects.all(),
            "is_owner": is_owner,
            "payments_on": gateway.is_configured(),
            "invoices": invoices_for(tenant) if is_owner else [],
            "payment_account": payments.account_for(tenant) if is_owner else None,
            "storage": storage_use(),
        },
    )


@require_POST
@owner_required
def billing_checkout(request: HttpRequest) -> HttpResponse:
    plan = Plan.objects.filter(code=request.POST.get("plan", "")[:32]).first()
    if plan is None:
        messages.error(request, _("Choose one of the plans shown."))
        return HttpResponseRedirect(reverse("staff:billing"))
    try:
        url = checkout_start(
            tenant=request.tenant,
            plan=plan,
            success_url=_here(request, "?checkout=done"),
            cancel_url=_here(request, "?checkout=cancelled"),
        )
    except (ValidationError, BillingUnavailable) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        return HttpResponseRedirect(reverse("staff:billing"))
    audit_record(
        action="billing.checkout", actor=request.user, changes={"plan": plan.code}, request=request
    )
    return HttpResponseRedirect(url)


@require_POST
@owner_required
def billing_portal(request: HttpRequest) -> HttpResponse:
    try:
        url = portal_start(tenant=request.tenant, return_url=_here(request, "?checkout=done"))
    except BillingUnavailable as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("staff:billing"))
    audit_record(action="billing.portal", actor=request.user, request=request)
    return HttpResponseRedirect(url)


@require_POST
@owner_required
def payments_connect(request: HttpRequest) -> HttpResponse:
    """Open (once) and finish the business's own Stripe account, so clients can pay by card."""
    if not gateway.is_configured():
        messages.error(request, _("This platform does not take card payments."))
        return HttpResponseRedirect(reverse("staff:billing"))
    try:
        url = payments.onboarding_start(
            tenant=request.tenant,
            return_url=_here(request, "?payments=connected"),
            refresh_url=_here(request, "?payments=retry"),
        )
    except payments.PaymentFailed:
        messages.error(request, _("Stripe is unavailable right now; try again later."))
        return HttpResponseRedirect(reverse("staff:billing"))
    audit_record(action="billing.payments_connect", actor=request.user, request=request)
    return HttpResponseRedirect(url)
