"""Booking, moving and cancelling appointments: free slots around hours, breaks, days off and
other appointments; the windows; prepayment through the checkout (never confirmed unpaid)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.checkout.models import Checkout
from cabinet.checkout.placing import checkout_confirm
from cabinet.clinic.models import Appointment, BookingRules, DayOff
from cabinet.clinic.selectors import free_slots
from cabinet.clinic.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from cabinet.clinic.tests.helpers import at, top_up
from cabinet.orders.models import Order


def test_free_slots_leave_out_the_break_a_day_off_and_a_booked_time(practice):
    with tenant_context(practice.tenant):
        # given
        day = at(3, 8).date()
        appointment_book(
            client=practice.tom,
            service=practice.follow_up,
            starts=at(3, 9),
            specialist=practice.anna,
        )
        DayOff.objects.create(specialist=practice.omar, date=day)

        # when
        slots = free_slots(practice.follow_up, day, practice.anna)
        times = [slot.starts.strftime("%H:%M") for slot in slots]

        # then
        assert times[0] == "08:00"
        assert "09:00" not in times  # booked (20 minutes: 09:00–09:20)
        assert "09:15" not in times  # would overlap it
        assert "09:30" in times
        assert "11:45" not in times  # would run into the break
        assert "12:00" not in times
        assert "13:00" in times
        assert times[-1] == "19:30"  # 20 minutes end at 19:50, before 20:00
        assert free_slots(practice.follow_up, day, practice.omar) == []


def test_anyone_free_takes_the_other_specialist_when_one_is_booked(practice):
    with tenant_context(practice.tenant):
        # given
        first = appointment_book(client=practice.tom, service=practice.follow_up, starts=at(2, 10))

        # when
        second = appointment_book(
            client=practice.paula, service=practice.follow_up, starts=at(2, 10)
        )

        # then
        assert {first.specialist, second.specialist} == {practice.anna, practice.omar}
        with pytest.raises(ValidationError) as refused:
            appointment_book(client=practice.paula, service=practice.follow_up, starts=at(2, 10))
        assert refused.value.code == "taken"


@pytest.mark.parametrize(
    ("days", "hour", "code"),
    [(0, 0, "past"), (200, 10, "horizon")],
)
def test_the_booking_window_is_enforced_in_words(practice, days, hour, code):
    with tenant_context(practice.tenant):
        with pytest.raises(ValidationError) as refused:
            appointment_book(
                client=practice.paula,
                service=practice.follow_up,
                starts=at(days, hour),
                specialist=practice.anna,
            )
        assert refused.value.code == code
        assert not Appointment.objects.exists()


def test_minimum_notice_is_enforced(practice):
    with tenant_context(practice.tenant):
        BookingRules.objects.update_or_create(pk=1, defaults={"notice_hours": 72})
        with pytest.raises(ValidationError) as refused:
            appointment_book(
                client=practice.paula,
                service=practice.follow_up,
                starts=at(1, 10),
                specialist=practice.anna,
            )
        assert "72 hours ahead" in refused.value.messages[0]


def test_outside_working_hours_is_refused(practice):
    with tenant_context(practice.tenant):
        with pytest.raises(ValidationError):
            appointment_book(
                client=practice.paula,
                service=practice.follow_up,
                starts=at(3, 12),
                specialist=practice.anna,
            )
        with pytest.raises(ValidationError):
            appointment_book(
                client=practice.paula,
                service=practice.follow_up,
                starts=at(3, 19, 45),
                specialist=practice.anna,
            )


def test_a_prepaid_service_is_held_then_confirmed_by_the_checkout(practice):
    with tenant_context(practice.tenant):
        # given
        top_up(practice.paula)
        held = appointment_book(
            client=practice.paula,
            service=practice.consultation,
            starts=at(4, 10),
            specialist=practice.anna,
        )
        assert held.status == Appointment.Status.HELD
        assert held.checkout.status == Checkout.Status.OPEN

        # when
        paid = checkout_confirm(checkout=held.checkout, payment="balance")

        # then
        held.refresh_from_db()
        assert paid.status == Checkout.Status.PAID
        assert held.status == Appointment.Status.CONFIRMED
        assert held.paid_at is not None
        assert paid.order.total == Decimal("60.00")


def test_a_prepaid_service_cannot_be_paid_on_site_nor_confirmed_unpaid(practice):
    with tenant_context(practice.tenant):
        # given
        held = appointment_book(
            client=practice.paula,
            service=practice.consultation,
            starts=at(4, 10),
            specialist=practice.anna,
        )

        # when / then: the checkout refuses "on site" for it
        with pytest.raises(ValidationError):
            checkout_confirm(checkout=held.checkout, payment="on_site")
        held.refresh_from_db()
        assert held.status == Appointment.Status.HELD
        assert not Order.objects.filter(client=practice.paula).exists()
        # and the database refuses it confirmed without a payment
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.filter(pk=held.pk).update(status=Appointment.Status.CONFIRMED)


def test_a_lapsed_hold_gives_the_time_back_and_cannot_be_paid(practice):
    with tenant_context(practice.tenant):
        # given
        top_up(practice.paula)
        held = appointment_book(
            client=practice.paula,
            service=practice.consultation,
            starts=at(4, 10),
            specialist=practice.anna,
        )
        Appointment.objects.filter(pk=held.pk).update(held_until=timezone.now())

        # when
        taken = appointment_book(
            client=practice.tom,
            service=practice.follow_up,
            starts=at(4, 10),
            specialist=practice.anna,
        )

        # then
        held.refresh_from_db()
        assert taken.status == Appointment.Status.CONFIRMED
        assert held.status == Appointment.Status.EXPIRED
        with pytest.raises(ValidationError):
            checkout_confirm(checkout=held.checkout, payment="balance")


def test_moving_keeps_the_payment_and_is_refused_near_the_visit(practice):
    with tenant_context(practice.tenant):
        # given
        booked = appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(5, 10),
            specialist=practice.anna,
        )

        # when
        appointment_reschedule(appointment=booked, starts=at(6, 15), by=practice.paula.user)

        # then
        booked.refresh_from_db()
        assert booked.starts == at(6, 15)
        assert booked.ends == at(6, 15) + datetime.timedelta(minutes=20)
        BookingRules.objects.update_or_create(pk=1, defaults={"change_hours": 24 * 30})
        with pytest.raises(ValidationError) as refused:
            appointment_reschedule(appointment=booked, starts=at(7, 15), by=practice.paula.user)
        assert refused.value.code == "too_late"


def test_cancelling_inside_the_window_is_refused_and_outside_it_refunds(practice):
    with tenant_context(practice.tenant):
        # given
        top_up(practice.paula)
        booked = appointment_book(
            client=practice.paula,
            service=practice.consultation,
            starts=at(5, 10),
            specialist=practice.anna,
        )
        checkout_confirm(checkout=booked.checkout, payment="balance")
        booked.refresh_from_db()

        # when
        refunded = appointment_cancel(appointment=booked, by=practice.paula.user)

        # then
        booked.refresh_from_db()
        assert refunded == Decimal("60.00")
        assert booked.status == Appointment.Status.CANCELLED
        BookingRules.objects.update_or_create(pk=1, defaults={"change_hours": 24 * 30})
        again = appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(5, 10),
            specialist=practice.anna,
        )
        with pytest.raises(ValidationError) as refused:
            appointment_cancel(appointment=again, by=practice.paula.user)
        assert refused.value.code == "too_late"
        # staff may still cancel
        appointment_cancel(appointment=again, by=practice.anna.user)


def test_another_client_cannot_move_or_cancel(practice):
    with tenant_context(practice.tenant):
        booked = appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(5, 10),
            specialist=practice.anna,
        )
        with pytest.raises(PermissionDenied):
            appointment_cancel(appointment=booked, by=practice.tom.user)
        with pytest.raises(PermissionDenied):
            appointment_cancel(appointment=booked, by=practice.omar.user)  # not his patient
