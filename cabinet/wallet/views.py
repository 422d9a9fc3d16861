"""The client's wallet: balance, points and their history, and topping up by card."""

import logging
import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import payments
from cabinet.access import back_to, client_of
from cabinet.checkout.card_payments import saved_cards_of
from cabinet.common.money import money
from cabinet.rendering import render_cabinet
from cabinet.wallet.models import LedgerEntry
from cabinet.wallet.services import wallet_for

log = logging.getLogger(__name__)


@require_GET
@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    entries = Paginator(LedgerEntry.objects.filter(client=client), 30).get_page(
        request.GET.get("page")
    )
    saved_cards, cards_unavailable = [], False
    if client.card_customer:  # only a client who chose to save a card has any
        try:
            saved_cards = saved_cards_of(client=client, tenant=request.tenant)
        except payments.PaymentFailed:
            cards_unavailable = True
    context = {
        "wallet": wallet_for(client), "entries": entries, "points_value": Decimal("0.10"),
        "card_payments": payments.card_payments_enabled(request.tenant),
        "topup_min": payments.TOPUP_MIN, "topup_max": payments.TOPUP_MAX,
        "saved_cards": saved_cards, "cards_unavailable": cards_unavailable,
    }  # fmt: skip
    return render_cabinet(request, "cabinet/wallet.html", context)


@require_POST
@login_required
def wallet_top_up_start(request: HttpRequest) -> HttpResponse:
    """Pay by card on Stripe Checkout, on the business's own Stripe account."""
    client = client_of(request)
    raw = request.POST.get("amount", "")[:20].replace(",", ".").strip()
    try:
        amount = Decimal(raw).quantize(Decimal("0.01"))
        if not payments.TOPUP_MIN <= amount <= payments.TOPUP_MAX:
            raise ValueError
    except (ArithmeticError, ValueError):
        currency = wallet_for(client).currency
        messages.error(request, _("Top up between %(min)s and %(max)s.")
                       % {"min": money(payments.TOPUP_MIN, currency),
                          "max": money(payments.TOPUP_MAX, currency)})  # fmt: skip
        return HttpResponseRedirect(reverse("cabinet:wallet"), status=303)
    following = back_to(request, reverse("cabinet:wallet"))  # a checkout waiting for the money
    back = request.build_absolute_uri(reverse("cabinet:wallet-top-up-done"))
    if following != reverse("cabinet:wallet"):
        back = f"{back}?{urlencode({'next': following})}&"
    else:
        back = f"{back}?"
    try:
        url = payments.topup_start(
            tenant=request.tenant, client_ref=str(client.pk), amount=amount,
            currency=wallet_for(client).currency,
            success_url=f"{back}session={{CHECKOUT_SESSION_ID}}",
            cancel_url=request.build_absolute_uri(following),
            attempt=uuid.uuid4().hex,
        )  # fmt: skip
    except payments.PaymentsUnavailable:
        messages.error(request, _("This cabinet does not take card payments."))
        return HttpResponseRedirect(reverse("cabinet:wallet"), status=303)
    except payments.PaymentFailed as exc:  # Stripe is down: say so, keep everything as it was
        log.warning("top-up checkout failed: %s", type(exc).__name__)
        messages.error(request, _("Card payments are unavailable right now; try again later."))
        return HttpResponseRedirect(reverse("cabinet:wallet"), status=303)
    return HttpResponseRedirect(url, status=303)


@require_GET
@login_required
def wallet_top_up_done(request: HttpRequest) -> HttpResponse:
    """Back from Checkout: read the payment from Stripe at once, not waiting for the webhook."""
    client = client_of(request)
    session_id = request.GET.get("session", "")[:255]
    try:
        result = payments.topup_sync(
            tenant=request.tenant, session_id=session_id, client_ref=str(client.pk)
        )
    except payments.PaymentFailed:
        result = None
    if result is not None and result.paid:
        messages.success(request, _("%(amount)s added to your balance.")
                         % {"amount": money(result.amount, result.currency)})  # fmt: skip
    else:
        messages.info(request, _("We will add the payment to your balance as soon as it is "
                                 "confirmed."))  # fmt: skip
    following = request.GET.get("next", "")[:200]
    if not (following.startswith("/checkout/") and url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )):  # fmt: skip
        following = reverse("cabinet:wallet")
    return HttpResponseRedirect(following, status=303)
