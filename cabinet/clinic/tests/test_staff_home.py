"""The staff home of a clinic: today's visits, each person's own (or every specialist's for a
manager), and, while no specialist takes bookings, the step that opens the calendar."""

from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.clinic.models import Appointment, Specialist
from cabinet.clinic.tests.helpers import as_


def _visit_today(practice, specialist, client, hour: int) -> Appointment:
    day = timezone.localdate()
    starts = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour))
    return Appointment.objects.create(
        client=client,
        specialist=specialist,
        service=practice.follow_up,
        starts=starts,
        ends=starts + timezone.timedelta(minutes=20),
    )


def test_a_specialist_sees_their_own_visits_today_and_a_manager_everyones(practice):
    # given a visit today with Anna (Paula) and one with Omar (Tom)
    with tenant_context(practice.tenant):
        _visit_today(practice, practice.anna, practice.paula, 9)
        _visit_today(practice, practice.omar, practice.tom, 10)

    # when Anna and the manager open the staff home
    anna = as_(practice.tenant, practice.anna.user).get("/staff/").content.decode()
    manager = as_(practice.tenant, practice.manager).get("/staff/").content.decode()

    # then Anna sees her patient only, the manager both; the calendar is open, no call to open it
    assert "clinic-today-title" in anna
    assert "Paula P" in anna
    assert "Tom B" not in anna
    assert "Paula P" in manager
    assert "Tom B" in manager
    assert "Open your calendar to bookings" not in manager


def test_a_clinic_with_no_bookable_specialist_is_shown_the_step_that_opens_it(practice):
    # given no specialist has working hours any more
    with tenant_context(practice.tenant):
        Specialist.objects.update(is_active=False)

    # when the owner and a specialist open the staff home
    owner = as_(practice.tenant, practice.owner).get("/staff/").content.decode()
    anna = as_(practice.tenant, practice.anna.user).get("/staff/").content.decode()

    # then both read why clients cannot book; only one who may edit schedules gets the button
    assert "Open your calendar to bookings" in owner
    assert "/staff/specialists/" in owner
    assert "Open your calendar to bookings" in anna
    assert (
        'href="/staff/specialists/"'
        not in anna.split("clinic-start-title")[1].split("</section>")[0]
    )
    assert "No visits today." in owner
