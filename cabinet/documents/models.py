"""Documents (receipts, invoices, vouchers) and the numbered series they are drawn from."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking
from cabinet.orders.models import Order


class DocumentSeries(models.Model):
    """The last number given in one series (a kind of document, in one year): numbers are
    handed out under a row lock, so two documents never share one and none is skipped."""

    kind = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="document_series_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Document(models.Model):
    """A receipt, invoice or voucher as PDF, made by a worker; private to its client and
    permitted staff, served through signed, expiring links."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        INVOICE = "invoice", _("Invoice")
        VOUCHER = "voucher", _("Voucher")

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.CASCADE)
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.CASCADE)
    file = models.FileField(upload_to="private/documents/")
    number = models.CharField(_("number"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
