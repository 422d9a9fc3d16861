"""A prepaid appointment's order: paying confirms the visit and accepts its order in the same
transaction, so the staff queue gets no "Order to confirm" for it, and the client cannot cancel
the order (and be refunded) while the visit stays booked; they cancel the visit instead."""

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import tenant_context

from cabinet.clinic.models import Appointment
from cabinet.clinic.tests.helpers import as_, at, key, top_up
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.work.models import WorkRequest


def _paid_visit(practice) -> Appointment:
    browser = as_(practice.tenant, practice.paula.user)
    with tenant_context(practice.tenant):
        top_up(practice.paula)
    service = practice.consultation.pk  # paid in advance
    booked = browser.post(
        f"/appointments/book/{service}/confirm/?specialist=any&at={key(at(3, 10))}", {"note": ""}
    )
    assert booked.status_code == 303
    with tenant_context(practice.tenant):
        held = Appointment.objects.select_related("checkout").get(client=practice.paula)
    paid = browser.post(f"/checkout/{held.checkout.token}/pay/", {"payment": "balance"})
    assert paid.status_code == 303
    return held


def test_paying_a_visit_accepts_its_order_and_opens_no_work_to_confirm_it(practice):
    # given / when Paula books and pays a prepaid consultation
    visit = _paid_visit(practice)

    # then the visit is confirmed, its order accepted with it, and nothing waits in the queue
    with tenant_context(practice.tenant):
        visit.refresh_from_db()
        order = Order.objects.get(client=practice.paula)
        assert visit.status == Appointment.Status.CONFIRMED
        assert order.status == Order.Status.ACCEPTED
        assert [(c.from_status, c.to_status) for c in order.history.all()] == [
            ("", "new"),
            ("new", "accepted"),
        ]
        assert not WorkRequest.objects.filter(source=f"order:{order.pk}").exists()
    queue = as_(practice.tenant, practice.manager).get("/staff/queue/").content.decode()
    assert f"#{order.pk}" not in queue


def test_the_client_cannot_cancel_the_order_of_a_booked_visit(practice):
    # given a paid, confirmed visit
    visit = _paid_visit(practice)

    # when Paula tries to cancel its order rather than the visit
    with tenant_context(practice.tenant):
        order = Order.objects.get(client=practice.paula)
        with pytest.raises(PermissionDenied):
            order_set_status(order=order, to=Order.Status.CANCELLED, by=practice.paula.user)
        # then nothing was refunded: the checkout is still paid, the visit still booked
        visit.refresh_from_db()
        visit.checkout.refresh_from_db()
        assert visit.status == Appointment.Status.CONFIRMED
        assert visit.checkout.refunded == 0
        assert visit.checkout.total > 0
