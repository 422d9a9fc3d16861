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


def _pdfs_of(order: Order) -> list[str]:
    storage = Document._meta.get_field("file").storage
    try:
        files = storage.listdir("private/documents/")[1]
    except FileNotFoundError:
        return []
    return sorted(f for f in files if f.startswith(f"receipt-{order.pk}-"))


def test_a_build_killed_after_writing_its_pdf_leaves_no_orphan_file(hotel, monkeypatch):
    # given a paid order whose receipt build is killed after its PDF is on disk, before the
    # commit that records it (SIGKILL: the database rolls back, no code of ours runs after it)
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        order = _paid_order(client, 3)
        with monkeypatch.context() as killed:

            def kill(self: Document, *args: object, **kwargs: object) -> None:
                raise Killed

            killed.setattr(Document, "save", kill)
            storage = Document._meta.get_field("file").storage
            killed.setattr(storage, "delete", lambda name: None)  # nothing runs after a kill
            with pytest.raises(Killed):
                documents.order_document_build(order_id=order.pk)
        assert not Document.objects.filter(order=order).exists()
        assert len(_pdfs_of(order)) == 1  # what the kill left behind

        # when the task comes back and builds it
        document = documents.order_document_build(order_id=order.pk)

        # then the folder holds the committed receipt's file, and nothing else for that order
        assert _pdfs_of(order) == [document.file.name.rsplit("/", 1)[1]]
        assert document.file.read()[:4] == b"%PDF"


def test_a_build_that_fails_after_writing_its_pdf_deletes_it_at_once(hotel, monkeypatch):
    # given a paid order, and a database that refuses the document's row
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        order = _paid_order(client, 4)

        def refused(self, *args, **kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(Document, "save", refused)

        # when the build runs
        with pytest.raises(RuntimeError):
            documents.order_document_build(order_id=order.pk)

        # then no PDF of it is left on disk, and no number was used
        assert _pdfs_of(order) == []
        assert not Document.objects.filter(order=order).exists()
