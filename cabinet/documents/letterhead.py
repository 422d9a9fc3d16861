"""What a business's documents carry of it: the letterhead (its branding and legal details) and
the next number in each series (R-2026-000042), handed out under a row lock."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from cabinet.branding.contrast import readable_on
from cabinet.branding.models import BusinessDetails
from cabinet.branding.selectors import branding_get
from cabinet.documents.models import Document, DocumentSeries
from rbac.documents import Letterhead


def business_details_get() -> BusinessDetails:
    return BusinessDetails.objects.first() or BusinessDetails()


def letterhead_get() -> Letterhead:
    branding = branding_get()
    details = business_details_get()
    logo = None
    if branding.logo:
        with branding.logo.open("rb") as raw:
            logo = raw.read()
    legal = [details.legal_name, " ".join(details.address.split()), details.tax_id]
    return Letterhead(
        name=branding.display_name,
        colour=branding.primary_colour,
        on_colour=readable_on(branding.primary_colour),
        logo=logo,
        legal_lines=[line for line in legal if line],
    )


def document_number_take(kind: str) -> str:
    """The next number of `kind`'s series for this year; never given twice. Inside a transaction
    the series stays locked, and the number taken, until it ends: a document built and saved in
    that transaction takes its number only if it commits (no gap when a build is killed)."""
    details = business_details_get()
    prefix = {
        Document.Kind.RECEIPT: details.receipt_prefix,
        Document.Kind.INVOICE: details.invoice_prefix,
        Document.Kind.VOUCHER: details.voucher_prefix,
    }.get(kind, "")
    year = timezone.localdate().year
    with transaction.atomic():
        try:
            with transaction.atomic():
                DocumentSeries.objects.get_or_create(kind=kind, year=year)
        except IntegrityError:  # another worker made the row first
            pass
        series = DocumentSeries.objects.select_for_update().get(kind=kind, year=year)
        series.last += 1
        series.save(update_fields=["last"])
    return f"{prefix}{year}-{series.last:06d}"
