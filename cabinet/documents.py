"""Receipts, invoices and vouchers as PDF, made by a worker, private to their client
and permitted staff; served only through signed links that expire."""

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.models import Booking, Document, Order
from cabinet.notifications import in_language_of
from rbac.documents import Section, pdf_document
from rbac.models import User
from tenants import signing

LINK_PURPOSE = "cabinet.document-link"
VOUCHER_PURPOSE = "cabinet.voucher"
LINK_MAX_AGE = 600


def _money(amount: object, currency: str) -> str:
    return f"{amount} {currency}"


def _save(document: Document, name: str, pdf: bytes) -> Document:
    with transaction.atomic():
        document.file.save(f"{name}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(pdf),
                           save=False)  # fmt: skip
        document.save()
    return document


def order_document_build(*, order_id: int) -> Document | None:
    """Idempotent: an order has one document, in its client's language: a receipt when it was
    paid from the balance or with points, an invoice when it is to be paid on site."""
    order = Order.objects.select_related("client__user").filter(pk=order_id).first()
    if order is None:
        return None
    existing = Document.objects.filter(order=order).first()
    if existing is not None:
        return existing
    to_pay = order.payment == Order.Payment.ON_SITE
    kind = Document.Kind.INVOICE if to_pay else Document.Kind.RECEIPT
    tenant_name = getattr(connection.tenant, "name", "Kabinet")
    with in_language_of(order.client.user):
        rows = [
            (f"{line.quantity} × {line.name}", _money(line.line_total, order.currency))
            for line in order.items.all()
        ]
        rows += [(_("Fee"), _money(order.fee, order.currency)),
                 (_("Total"), _money(order.total, order.currency))]  # fmt: skip
        if to_pay:
            rows.append((_("Amount due"), _money(order.total, order.currency)))
            rows.append((_("Payment"), _("on site, when you receive the order")))
            title = _("%(cabinet)s: invoice for order #%(number)s")
        else:
            rows.append((_("Paid"), str(order.get_payment_display())))
            title = _("%(cabinet)s: receipt for order #%(number)s")
        when = timezone.localtime(order.created_at)
        pdf = pdf_document(
            title=title % {"cabinet": tenant_name, "number": order.pk},
            subtitle=f"{order.client.user.get_full_name()} · {when:%Y-%m-%d %H:%M}",
            sections=[Section(title=_("Order"), rows=rows)],
        )
    document = Document(client=order.client, kind=kind, order=order)
    return _save(document, f"{kind}-{order.pk}", pdf)


def voucher_code(booking: Booking) -> str:
    """What staff check at the door: short, and meaningless without this cabinet's key and
    outside this cabinet (the schema is in the HMAC's salt: booking ids repeat across cabinets)."""
    digest = signing.digest(VOUCHER_PURPOSE, f"booking:{booking.pk}")
    return f"{booking.pk}-{digest[:8].upper()}"


def booking_for_voucher(code: str) -> Booking | None:
    """The booking a voucher code names, when the code is genuine; None otherwise."""
    number, _dash, presented = code.partition("-")
    if not number.isdigit() or len(number) > 12 or len(presented) != 8:
        return None
    if not signing.digest_matches(VOUCHER_PURPOSE, f"booking:{int(number)}", presented, length=8):
        return None
    return Booking.objects.select_related("event", "client__user").filter(pk=int(number)).first()


def voucher_build(*, booking_id: int) -> Document | None:
    """Idempotent: a confirmed booking has one voucher, in its client's language."""
    booking = Booking.objects.select_related("event", "client__user").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.CONFIRMED:
        return None
    existing = Document.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    event = booking.event
    tenant_name = getattr(connection.tenant, "name", "Kabinet")
    with in_language_of(booking.client.user):
        starts = timezone.localtime(event.starts_at)
        rows = [
            (_("Guest"), booking.client.user.get_full_name()),
            (_("When"), f"{starts:%Y-%m-%d %H:%M} – {timezone.localtime(event.ends_at):%H:%M}"),
            (_("Where"), event.location),
            (_("Places"), str(booking.seats)),
            (_("Price"), _money(event.price * booking.seats, event.currency)
             if event.price else str(_("Free"))),
            (_("Voucher code"), voucher_code(booking)),
        ]  # fmt: skip
        pdf = pdf_document(
            title=_("%(cabinet)s: voucher for %(event)s")
            % {"cabinet": tenant_name, "event": event.title},
            subtitle=_("Show this voucher (printed or on your phone) when you arrive."),
            sections=[Section(title=str(event.title), rows=rows)],
        )
    document = Document(client=booking.client, kind=Document.Kind.VOUCHER, booking=booking)
    return _save(document, f"voucher-{booking.pk}", pdf)


def document_link(document: Document, *, user_id: int) -> str:
    token = signing.sign(LINK_PURPOSE, {"d": document.pk, "u": user_id})
    return reverse("cabinet:document", args=[token])


def document_claim(token: str) -> dict[str, int] | None:
    claim = signing.unsign(LINK_PURPOSE, token, max_age=LINK_MAX_AGE)
    return claim if isinstance(claim, dict) else None


def document_for(token: str, *, user: User) -> Document | None:
    """The document a signed link names, when `user` may have it: its client, the owner, or
    staff who see every client; None otherwise (expired, tampered, someone else's)."""
    claim = document_claim(token)
    if claim is None or claim.get("u") != user.pk:
        return None
    document = Document.objects.filter(pk=claim.get("d")).select_related("client").first()
    if document is None:
        return None
    allowed = (
        document.client.user_id == user.pk
        or user.is_superuser
        or user.has_perm("cabinet.view_all_clients")
    )
    return document if allowed else None
