"""Receipts, invoices and vouchers as PDF, made by a worker, private to their client
and permitted staff; served only through signed links that expire."""

from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cabinet.bookings.models import Booking
from cabinet.common.money import money
from cabinet.content.translations import tr
from cabinet.documents.letterhead import business_details_get, document_number_take, letterhead_get
from cabinet.documents.models import Document
from cabinet.notifications.services import in_language_of
from cabinet.orders.models import Order
from rbac.documents import Section, pdf_document
from rbac.models import User
from tenants import signing
from tenants.services import tenant_link

CENT = Decimal("0.01")
LINK_PURPOSE = "cabinet.document-link"
VOUCHER_PURPOSE = "cabinet.voucher"
LINK_MAX_AGE = 600


def _when(moment: object) -> str:
    """A date and time as the reader's language writes it (7 December 2026, 14:30)."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _vat_row(total: object, currency: str) -> tuple[str, str] | None:
    """The VAT included in a total, when the business charges VAT (prices include it)."""
    rate = business_details_get().vat_percent
    if not rate:
        return None
    included = (total * rate / (100 + rate)).quantize(CENT)
    label = _("incl. VAT %(rate)s %%") % {"rate": f"{rate.normalize():f}"}
    return label, money(included, currency)


FOLDER = "private/documents/"


def _orphans_remove(name: str) -> None:
    """Delete the PDFs an earlier build of the same document wrote and never committed: a file
    is written before the transaction that records it commits, and a build killed in between
    (a lost worker, a time limit) leaves it on disk with no row. Called under the series lock
    (document_number_take), so any other build of this kind has committed or rolled back."""
    storage = Document._meta.get_field("file").storage
    try:
        _folders, files = storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    mine = [f"{FOLDER}{f}" for f in files if f.startswith(f"{name}-") and f.endswith(".pdf")]
    kept = set(Document.objects.filter(file__in=mine).values_list("file", flat=True))
    for path in mine:
        if path not in kept:
            storage.delete(path)


def _save(document: Document, name: str, pdf: bytes) -> Document:
    """Write the PDF and its row (in the caller's transaction). The file is deleted at once when
    the row is not written; one left by a killed build goes at that document's next build."""
    _orphans_remove(name)
    document.file.save(f"{name}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(pdf),
                       save=False)  # fmt: skip
    try:
        document.save()
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


def _build(numbered: Callable[[], Document]) -> Document:
    """Run a numbered build in a transaction of its own; its file goes if the transaction does."""
    written: list[str] = []
    try:
        with transaction.atomic():
            document = numbered()
            written.append(document.file.name)
            return document
    except BaseException:
        for name in written:  # the row was saved, but its transaction did not commit
            Document._meta.get_field("file").storage.delete(name)
        raise


def _built_meanwhile(**target: object) -> Document | None:
    """The document another build made for the same order or booking while this one waited for
    the series (its own work was rolled back with the number it took)."""
    return Document.objects.filter(**target).first()


def order_document_build(*, order_id: int) -> Document | None:
    """Idempotent: an order has one document, in its client's language: a receipt when it was
    paid from the balance or with points, an invoice when it is to be paid on site."""
    order = Order.objects.select_related("client__user").filter(pk=order_id).first()
    if order is None:
        return None
    existing = Document.objects.filter(order=order).first()
    if existing is not None:
        return existing
    try:
        return _build(lambda: _order_document_numbered(order))
    except IntegrityError:  # built by another worker while this one waited for the number
        return _built_meanwhile(order=order)


def _order_document_numbered(order: Order) -> Document:
    """Number, PDF and row in the caller's transaction: a build killed before its commit leaves
    no number used (the series row stays locked until then, so builds of one kind queue)."""
    to_pay = order.payment == Order.Payment.ON_SITE
    kind = Document.Kind.INVOICE if to_pay else Document.Kind.RECEIPT
    number = document_number_take(kind)
    with in_language_of(order.client.user):
        rows = [
            (f"{line.quantity} × {line.name}", money(line.line_total, order.currency))
            for line in order.items.all()
        ]
        if order.fee:
            rows.append((_("Fee"), money(order.fee, order.currency)))
        vat = _vat_row(order.total, order.currency)
        if vat:
            rows.append(vat)
        rows.append((_("Amount due") if to_pay else _("Total"), money(order.total, order.currency)))
        if to_pay:
            title = _("Invoice %(number)s") % {"number": number}
            payment = _("On site, when you receive the order.")
        else:
            title = _("Receipt %(number)s") % {"number": number}
            payment = _("Paid: %(how)s.") % {"how": order.get_payment_display()}
        pdf = pdf_document(
            title=title,
            subtitle=_("Order #%(order)s · %(when)s · %(client)s")
            % {"order": order.pk, "when": _when(order.created_at),
               "client": order.client.user.get_full_name()},
            sections=[Section(title=_("Order"), rows=rows, note=payment, amounts=True)],
            letterhead=letterhead_get(),
            number=number,
        )  # fmt: skip
    document = Document(client=order.client, kind=kind, order=order, number=number)
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
    try:
        return _build(lambda: _voucher_numbered(booking))
    except IntegrityError:  # built by another worker while this one waited for the number
        return _built_meanwhile(booking=booking)


def _voucher_numbered(booking: Booking) -> Document:
    """As _order_document_numbered: the number commits with the voucher or not at all."""
    event = booking.event
    number = document_number_take(Document.Kind.VOUCHER)
    code = voucher_code(booking)
    with in_language_of(booking.client.user):
        rows = [
            (_("Guest"), booking.client.user.get_full_name()),
            (_("When"), f"{_when(event.starts_at)} – {timezone.localtime(event.ends_at):%H:%M}"),
            (_("Where"), tr(event, "location")),
            (_("Places"), str(booking.seats)),
            (_("Price"), money(event.price * booking.seats, event.currency)
             if event.price else str(_("Free"))),
            (_("Voucher code"), code),
        ]  # fmt: skip
        pdf = pdf_document(
            title=_("Voucher: %(event)s") % {"event": tr(event, "title")},
            subtitle=_("Show this voucher (printed or on your phone) when you arrive."),
            sections=[Section(title=tr(event, "title"), rows=rows)],
            letterhead=letterhead_get(),
            number=number,
            qr=voucher_check_url(code),
            qr_caption=_("Staff scan this to check you in."),
        )
    document = Document(
        client=booking.client, kind=Document.Kind.VOUCHER, booking=booking, number=number
    )
    return _save(document, f"voucher-{booking.pk}", pdf)


def voucher_check_url(code: str) -> str:
    """What a voucher's QR code holds: the door check's page on this cabinet, with the code,
    so a member of staff scans it with any camera and lands on the verdict."""
    return tenant_link(connection.tenant, f"{reverse('staff:voucher-check')}?code={code}")


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
