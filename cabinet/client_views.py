"""What a client does in their cabinet: browse services, order and pay, book events, see their
balance, points, documents and history."""

import logging
import uuid
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import payments
from cabinet import selectors
from cabinet.access import back_to, client_of
from cabinet.bookings import booking_cancel, booking_ics, cancel_deadline, client_booking_create
from cabinet.card_payments import saved_cards_of
from cabinet.checkout import checkout_open_booking, checkout_open_order, quantities_from
from cabinet.content_i18n import tr
from cabinet.documents import document_for, document_link
from cabinet.models import Booking, Checkout, Document, Event, LedgerEntry, Order
from cabinet.money import money
from cabinet.orders import order_place, order_set_status
from cabinet.rendering import render_cabinet
from cabinet.wallet import wallet_for

log = logging.getLogger(__name__)


@require_GET
@login_required
def services(request: HttpRequest) -> HttpResponse:
    client_of(request)
    catalog = selectors.catalog()
    now = timezone.localtime()
    closed = {item.pk for _category, items in catalog for item in items
              if not item.is_available_at(now)}  # fmt: skip
    from cabinet.loyalty import loyalty_settings

    context = {"catalog": catalog, "closed": closed,
               "on_site_allowed": loyalty_settings().on_site_allowed}  # fmt: skip
    return render_cabinet(request, "cabinet/services.html", context)


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


@require_GET
@login_required
def document_download(request: HttpRequest, token: str) -> HttpResponse:
    document = document_for(token, user=request.user)
    if document is None:
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True,
                        filename=document.file.name.rsplit("/", 1)[-1])  # fmt: skip


@require_GET
@login_required
def events(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    mine = selectors.client_bookings_by_event(client)
    return render_cabinet(
        request, "cabinet/events.html", {"events": selectors.upcoming_events()[:100], "mine": mine}
    )


MONTH_RANGE_YEARS = 5  # how far the calendar pages back and forth


@require_GET
@login_required
def event_calendar(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    today = timezone.localdate()
    raw, status, month = request.GET.get("month", ""), 200, today.replace(day=1)
    if raw:
        try:
            month = datetime.strptime(raw[:8], "%Y-%m").date()
        except ValueError:
            status, error = 400, _("Give the month as YYYY-MM; here is this month.")
        else:
            if abs(month.year - today.year) > MONTH_RANGE_YEARS:
                status, error = 400, _("That month is too far away; here is this month.")
                month = today.replace(day=1)
        if status == 400:
            messages.error(request, error)
    mine = selectors.client_bookings_by_event(client)
    context = {"month": selectors.event_calendar(month), "mine": mine, "today": today}
    return render_cabinet(request, "cabinet/event_calendar.html", context, status=status)


@require_POST
@login_required
def event_book(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_of(request)
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    waitlist = request.POST.get("waitlist") == "1"
    try:
        seats = int(request.POST.get("seats", "1"))
        if event.price and not waitlist:  # a priced event is paid through its checkout
            checkout = checkout_open_booking(event=event, client=client, seats=seats)
            target = reverse("cabinet:checkout", args=[checkout.token])
            return HttpResponseRedirect(target, status=303)
        client_booking_create(event=event, client=client, seats=seats, waitlist=waitlist)
    except ValueError:
        messages.error(request, _("Places are a whole number."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Booked: %s.") % tr(event, "title"))
    return HttpResponseRedirect(back_to(request, reverse("cabinet:events")))


@require_GET
@login_required
def booking_list(request: HttpRequest) -> HttpResponse:
    """The client's bookings, upcoming or past, by status, newest event first."""
    client = client_of(request)
    status = request.GET.get("status", "")[:16]
    when = request.GET.get("when", "")[:8]
    bookings = selectors.client_bookings_filtered(client, when=when, status=status)
    page = Paginator(bookings, 20).get_page(request.GET.get("page"))
    return render_cabinet(
        request, "cabinet/booking_list.html",
        {"page": page, "status": status, "when": when, "statuses": Booking.Status.choices},
    )  # fmt: skip


@require_GET
@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.client_booking(client_of(request), pk)
    if booking is None:
        raise Http404
    document = Document.objects.filter(booking=booking).first()
    now = timezone.now()
    context = {
        "booking": booking,
        "event": booking.event,
        "voucher": document_link(document, user_id=request.user.pk) if document else None,
        "cancel_until": cancel_deadline(booking.event),
        "can_cancel": booking.status != Booking.Status.CANCELLED
        and (booking.status == Booking.Status.WAITLISTED or now <= cancel_deadline(booking.event)),
        "is_past": booking.event.starts_at <= now,
        "paid": Checkout.objects.filter(booking=booking).first(),
    }
    return render_cabinet(request, "cabinet/booking_detail.html", context)


@require_POST
@login_required
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.client_booking(client_of(request), pk)
    if booking is None:
        raise Http404
    try:
        booking_cancel(booking=booking)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your booking is cancelled."))
    return HttpResponseRedirect(reverse("cabinet:booking", args=[booking.pk]))


@require_GET
@login_required
def booking_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.client_booking(client_of(request), pk)
    if booking is None:
        raise Http404
    body = booking_ics(
        booking,
        cabinet_name=connection.tenant.name,
        host=request.get_host(),
        zone=connection.tenant.zone,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    return response


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
