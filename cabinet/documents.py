"""Receipts (and later invoices and vouchers) as PDF, made by a worker, private to their client
and permitted staff; served only through signed links that expire."""

from django.core import signing
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from cabinet.models import Document, Order
from rbac.documents import Section, pdf_document

LINK_SALT = "kabinet.cabinet.documents"
LINK_MAX_AGE = 600


def receipt_build(*, order_id: int) -> Document | None:
    """Idempotent: an order has one receipt."""
    order = Order.objects.select_related("client__user").filter(pk=order_id).first()
    if order is None:
        return None
    existing = Document.objects.filter(order=order).first()
    if existing is not None:
        return existing
    tenant_name = getattr(connection.tenant, "name", "Kabinet")
    rows = [
        (f"{line.quantity} × {line.name}", f"{line.line_total} {order.currency}")
        for line in order.items.all()
    ]
    rows += [("Fee", f"{order.fee} {order.currency}"), ("Total", f"{order.total} {order.currency}"),
             ("Paid", order.get_payment_display())]  # fmt: skip
    pdf = pdf_document(
        title=f"{tenant_name}: receipt for order #{order.pk}",
        subtitle=f"{order.client.user.get_full_name()} · {order.created_at:%Y-%m-%d %H:%M} UTC",
        sections=[Section(title="Order", rows=rows)],
    )
    with transaction.atomic():
        document = Document(client=order.client, kind=Document.Kind.RECEIPT, order=order)
        document.file.save(f"receipt-{order.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf",
                           ContentFile(pdf), save=False)  # fmt: skip
        document.save()
    return document


def document_link(document: Document, *, user_id: int) -> str:
    token = signing.dumps({"d": document.pk, "u": user_id}, salt=LINK_SALT)
    return reverse("cabinet:document", args=[token])


def document_claim(token: str) -> dict[str, int] | None:
    try:
        claim = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return claim if isinstance(claim, dict) else None
