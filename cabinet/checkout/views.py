"""The client's checkout pages (review, offer code, confirm) and their loyalty page (tier,
clubs to join or leave, offers with their codes)."""

import logging
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import payments
from cabinet.access import client_of
from cabinet.accounts.models import ClientProfile
from cabinet.checkout.card_payments import card_checkout_start, saved_card_forget
from cabinet.checkout.models import Checkout
from cabinet.checkout.placing import checkout_confirm
from cabinet.checkout.services import (
    checkout_open_order,
    checkout_set_code,
    open_checkout_of,
    payment_choices,
    price_checkout,
    quantities_from,
)
from cabinet.content.translations import tr
from cabinet.orders import selectors as orders_selectors
from cabinet.rendering import render_cabinet
from cabinet.wallet.loyalty import offers_for, tier_for
from cabinet.wallet.models import Club
from cabinet.wallet.selectors import loyalty_tiers
from cabinet.wallet.services import wallet_for

log = logging.getLogger(__name__)


def _done_url(checkout: Checkout) -> str:
    if checkout.order_id:
        return reverse("cabinet:order", args=[checkout.order_id])
    if checkout.booking_id:
        return reverse("cabinet:booking", args=[checkout.booking_id])
    return reverse("cabinet:home")


def _page_url(checkout: Checkout) -> str:
    return reverse("cabinet:checkout", args=[checkout.token])


def checkout_context(
    request: HttpRequest, client: ClientProfile, checkout: Checkout, *, preferred: str = ""
) -> dict:
    """The lines and ways to pay; the first way that can pay is chosen unless the client
    preferred another that can."""
    priced = price_checkout(checkout)
    choices = payment_choices(client, priced, checkout=checkout)
    chosen = request.GET.get("payment", "")[:8] or preferred[:8]
    usable = [c.key for c in choices if c.refusal is None]
    if chosen not in usable:
        chosen = usable[0] if usable else ""
    wallet = wallet_for(client)
    short = max(priced.total - wallet.balance, Decimal("0"))
    top_up = max(short, payments.TOPUP_MIN).quantize(Decimal("0.01")) if short else None
    return {
        "checkout": checkout, "priced": priced, "choices": choices, "chosen": chosen,
        "wallet": wallet, "short": short, "top_up": top_up,
        "top_up_fits": top_up is not None and top_up <= payments.TOPUP_MAX,
        "card_payments": payments.card_payments_enabled(request.tenant),
        "submission_key": checkout.token.hex,
        "back": reverse("cabinet:events") if checkout.event_id else reverse("cabinet:services"),
    }  # fmt: skip


def render_checkout(
    request: HttpRequest, client: ClientProfile, checkout: Checkout, *, preferred: str = ""
) -> HttpResponse:
    try:
        context = checkout_context(request, client, checkout, preferred=preferred)
    except ValidationError as exc:  # the cart no longer prices: an item gone, the event past
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("cabinet:services"), status=303)
    return render_cabinet(request, "cabinet/checkout.html", context)


def _checkout_or_404(request: HttpRequest, token: str) -> tuple[ClientProfile, Checkout]:
    client = client_of(request)
    checkout = open_checkout_of(client, token)
    if checkout is None:
        raise Http404
    return client, checkout


@require_GET
@login_required
def checkout_page(request: HttpRequest, token: str) -> HttpResponse:
    client, checkout = _checkout_or_404(request, token)
    if checkout.status != Checkout.Status.OPEN:
        return HttpResponseRedirect(_done_url(checkout))
    return render_checkout(request, client, checkout)


@require_POST
@login_required
def checkout_code(request: HttpRequest, token: str) -> HttpResponse:
    _client, checkout = _checkout_or_404(request, token)
    code = request.POST.get("code", "")[:64]
    try:
        checkout_set_code(checkout=checkout, code=code)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if checkout.code:
            messages.success(request, _("The code is applied."))
    return HttpResponseRedirect(_page_url(checkout), status=303)


@require_POST
@login_required
def checkout_pay(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm and pay. Refused, the checkout stays as it was and says why. By card, the client
    goes to Stripe's page first; the checkout is confirmed when they come back paid."""
    _client, checkout = _checkout_or_404(request, token)
    if request.POST.get("payment") == "card":
        return _card_start(request, checkout)
    try:
        paid = checkout_confirm(checkout=checkout, payment=request.POST.get("payment", "")[:8],
                                note=request.POST.get("note", ""))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(_page_url(checkout), status=303)
    if paid.order_id:
        messages.success(request, _("Thank you! Order #%s is placed.") % paid.order_id)
    else:
        messages.success(
            request, _("Booked: %s.") % (tr(paid.event, "title") if paid.event else "")
        )
    return HttpResponseRedirect(_done_url(paid), status=303)


def _card_start(request: HttpRequest, checkout: Checkout) -> HttpResponse:
    if checkout.status != Checkout.Status.OPEN:
        return HttpResponseRedirect(_done_url(checkout), status=303)
    back = request.build_absolute_uri(reverse("cabinet:checkout-card", args=[checkout.token]))
    try:
        url = card_checkout_start(
            checkout=checkout, tenant=request.tenant,
            save_card=request.POST.get("save_card") == "1",
            success_url=f"{back}?session={{CHECKOUT_SESSION_ID}}",
            cancel_url=request.build_absolute_uri(_page_url(checkout)) + "?payment=card",
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except payments.PaymentsUnavailable:
        messages.error(request, _("This cabinet does not take card payments."))
    except payments.PaymentFailed as exc:  # Stripe is down: say so, the cart stays
        log.warning("card checkout failed: %s", type(exc).__name__)
        messages.error(request, _("Card payments are unavailable right now; try again later."))
    else:
        return HttpResponseRedirect(url, status=303)
    return HttpResponseRedirect(_page_url(checkout), status=303)


@require_GET
@login_required
def checkout_card_done(request: HttpRequest, token: str) -> HttpResponse:
    """Back from Stripe's page: the payment is read from Stripe at once (not waiting for the
    webhook) and, when paid, the checkout is confirmed. Not paid (declined, 3-D Secure not
    completed, abandoned), nothing changed and the cart waits."""
    client, checkout = _checkout_or_404(request, token)
    session_id = request.GET.get("session", "")[:255]
    try:
        session = payments.card_checkout_sync(
            tenant=request.tenant, session_id=session_id, client_ref=str(client.pk)
        )
    except payments.PaymentFailed:
        session = None
    checkout.refresh_from_db()
    paid_here = session is not None and session.paid and session.reference == str(checkout.token)
    if paid_here and checkout.card_payment == session.payment_intent:
        if checkout.order_id:
            messages.success(request, _("Thank you! Order #%s is placed.") % checkout.order_id)
        else:
            messages.success(request, _("Booked: %s.") % tr(checkout.event, "title"))
        return HttpResponseRedirect(_done_url(checkout), status=303)
    if paid_here:
        why = _refusal_now(client, checkout)
        messages.error(request, _("We could not take this payment, and it goes back to your "
                                  "card: %(why)s") % {"why": why})  # fmt: skip
    else:
        messages.info(request, _("The card payment is not complete, so nothing was taken. Your "
                                 "order waits here: try again, or pay another way."))  # fmt: skip
    return HttpResponseRedirect(_page_url(checkout), status=303)


def _refusal_now(client: ClientProfile, checkout: Checkout) -> str:
    if checkout.status != Checkout.Status.OPEN:
        return _("This was already paid.")
    try:
        price_checkout(checkout)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return _("The price changed while you were paying.")


@require_POST
@login_required
def saved_card_remove(request: HttpRequest, card_id: str) -> HttpResponse:
    client = client_of(request)
    try:
        removed = saved_card_forget(client=client, tenant=request.tenant, card_id=card_id[:255])
    except payments.PaymentFailed:
        messages.error(request, _("Card payments are unavailable right now; try again later."))
        return HttpResponseRedirect(reverse("cabinet:wallet"), status=303)
    if not removed:
        raise Http404
    messages.success(request, _("The card is removed."))
    return HttpResponseRedirect(reverse("cabinet:wallet"), status=303)


@require_GET
@login_required
def loyalty_page(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    tiers = loyalty_tiers()
    tier = tier_for(client, tiers)
    mine = set(client.clubs.values_list("pk", flat=True))
    clubs = [club for club in Club.objects.order_by("name") if club.is_open or club.pk in mine]
    context = {
        "tier": tier, "tiers": tiers, "clubs": clubs, "mine": mine,
        "offers": offers_for(client, tier).select_related("club", "tier")[:20],
        "wallet": wallet_for(client),
    }  # fmt: skip
    return render_cabinet(request, "cabinet/loyalty.html", context)


@require_POST
@login_required
def club_membership(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from cabinet.wallet.loyalty import club_join, club_leave

    client = client_of(request)
    club = Club.objects.filter(pk=pk).first()
    if club is None or action not in ("join", "leave"):
        raise Http404
    try:
        if action == "join":
            club_join(club=club, client=client, by=request.user)
            messages.success(request, _("Welcome to %s.") % tr(club, "name"))
        else:
            club_leave(club=club, client=client, by=request.user)
            messages.success(request, _("You have left %s.") % tr(club, "name"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("cabinet:loyalty"), status=303)


@require_POST
@login_required
def order_review(request: HttpRequest) -> HttpResponse:
    """The cart becomes a checkout: its lines, discounts and total, and the ways to pay, before
    the client confirms."""
    client = client_of(request)
    try:
        checkout = checkout_open_order(client=client, wanted=quantities_from(request.POST))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("cabinet:services"))
    return render_checkout(request, client, checkout, preferred=request.POST.get("payment", ""))


@require_POST
@login_required
def order_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: the same items and payment, shown for review with today's prices."""
    client = client_of(request)
    order = orders_selectors.client_order(client, pk)
    if order is None:
        raise Http404
    request.POST = request.POST.copy()
    request.POST.update({f"qty-{line.item_id}": str(line.quantity)
                         for line in order.items.all() if line.item_id})  # fmt: skip
    request.POST["payment"] = order.payment
    return order_review(request)
