"""The client's memberships page (/memberships/): the business's plans to subscribe to by card,
their own memberships with status, next payment, pause, resume and cancel, and their invoices."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import payments
from cabinet.access import client_of
from cabinet.content.translations import tr
from cabinet.memberships import selectors, services
from cabinet.rendering import render_cabinet

log = logging.getLogger(__name__)


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cabinet:memberships"), status=303)


@require_GET
@login_required
def memberships(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    mine = list(selectors.memberships_of(client))
    taken = {m.plan_id for m in mine if m.is_live}
    return render_cabinet(
        request,
        "cabinet/memberships.html",
        {
            "memberships": mine,
            "plans": [p for p in selectors.plans_offered() if p.pk not in taken],
            "card_payments": payments.card_payments_enabled(request.tenant),
        },
    )


@require_POST
@login_required
def membership_subscribe(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    plan = selectors.plan_get(pk, offered_only=True)
    if plan is None:
        raise Http404("no such plan")
    here = request.build_absolute_uri(reverse("cabinet:memberships"))
    done = request.build_absolute_uri(reverse("cabinet:membership-done"))
    try:
        url = services.membership_checkout_start(
            tenant=request.tenant, client=client, plan=plan,
            success_url=f"{done}?session={{CHECKOUT_SESSION_ID}}", cancel_url=here,
        )  # fmt: skip
    except services.PlansUnavailable as exc:
        messages.error(request, str(exc))
        return _back()
    return HttpResponseRedirect(url, status=303)


@require_GET
@login_required
def membership_done(request: HttpRequest) -> HttpResponse:
    """Back from Checkout: read the new membership from Stripe now, rather than wait for the
    webhook, so the page shows it."""
    client = client_of(request)
    try:
        membership = services.membership_return(
            tenant=request.tenant, client=client, session_id=request.GET.get("session", "")
        )
    except (services.PlansUnavailable, services.StripeFailure):
        membership = None
    if membership is None:
        messages.info(request, _("Your payment is being confirmed; this page updates shortly."))
    else:
        messages.success(request, _("Welcome to %(plan)s.") % {"plan": tr(membership.plan, "name")})
    return _back()


@require_POST
@login_required
def membership_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    client = client_of(request)
    membership = selectors.membership_of(client, pk)
    if membership is None or action not in services.ACTIONS:
        raise Http404("no such membership")
    try:
        services.membership_change(
            tenant=request.tenant, membership=membership, action=action, actor=request.user
        )
    except services.PlansUnavailable as exc:
        messages.error(request, str(exc))
        return _back()
    except services.StripeFailure as exc:
        log.warning("membership %s %s failed: %s", pk, action, type(exc).__name__)
        messages.error(
            request, _("Payments are unavailable right now. Please try again in a few minutes.")
        )
        return _back()
    done = {
        "pause": _("Paused: nothing is charged until you resume."),
        "resume": _("Resumed: payments go on from the next period."),
        "cancel": _("Cancelled: it stays active until the end of the paid period."),
        "keep": _("It goes on: the cancellation is withdrawn."),
    }
    messages.success(request, done[action])
    return _back()
