"""A receipt's build killed after it took its number and before it saved the document: the
number goes back with everything else (number, PDF and row commit together), so the series has
no gap, and the build that comes back takes that same number."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.documents import services as documents
from cabinet.documents.models import Document, DocumentSeries
from cabinet.orders.models import Order
from tests.factories import UserFactory


class Killed(BaseException):
    """What SIGKILL does to a task: nothing after it runs."""


def _paid_order(client: ClientProfile, n: int) -> Order:
    return Order.objects.create(
        client=client, payment=Order.Payment.BALANCE, status=Order.Status.DONE,
        subtotal=Decimal(10), total=Decimal(10), submission_key=f"kill-{n}",
    )  # fmt: skip


def test_a_build_killed_before_its_commit_leaves_no_gap_in_the_numbers(hotel, monkeypatch):
    # given two paid orders, and the receipt series as it is
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        first, second = (_paid_order(client, n) for n in (1, 2))
        before = DocumentSeries.objects.filter(kind=Document.Kind.RECEIPT).first()
        last = before.last if before else 0
        # when the first build is killed after the number was taken, while it writes the PDF
        with monkeypatch.context() as patched:

            def killed(**kwargs: object) -> bytes:
                raise Killed

            patched.setattr(documents, "pdf_document", killed)
            with pytest.raises(Killed):
                documents.order_document_build(order_id=first.pk)
        assert not Document.objects.filter(order=first).exists()
        # and both builds then run
        one = documents.order_document_build(order_id=first.pk)
        two = documents.order_document_build(order_id=second.pk)
        # then the numbers follow each other, the killed build's number reused
        series = DocumentSeries.objects.get(kind=Document.Kind.RECEIPT)
        assert series.last == last + 2
        assert [one.number[-6:], two.number[-6:]] == [f"{last + 1:06d}", f"{last + 2:06d}"]
        assert documents.order_document_build(order_id=first.pk) == one  # once per order
