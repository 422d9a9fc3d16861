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
        not in anna.split('id="clinic-start-title"')[1].split("</section>")[0]
    )
    assert "No visits today." in owner


def test_a_new_clinic_owner_is_led_through_services_specialist_hours_and_the_rules(practice):
    # given a clinic as it opens: its starter services, no specialist yet
    with tenant_context(practice.tenant):
        Specialist.objects.all().delete()

    # when the owner and a specialist-to-be (no schedule rights) open the staff home
    owner = as_(practice.tenant, practice.owner).get("/staff/").content.decode()
    anna = as_(practice.tenant, practice.anna.user).get("/staff/").content.decode()

    # then the owner's card lists the steps in order, the services ticked off, each linked
    card = owner.split('id="clinic-start-title"')[1].split("</section>")[0]
    steps = [
        "Choose the services clients can book",
        "Add a specialist and the services they give",
        "Set the specialist's weekly hours",
        "Check the booking rules",
    ]
    assert [card.index(step) for step in steps] == sorted(card.index(step) for step in steps)

    def ticked(step: str) -> bool:
        return card.split(step)[0].rsplit("<li", 1)[1].startswith(' class="done"')

    assert [ticked(step) for step in steps] == [True, False, False, False]
    assert 'href="/staff/content/appointment-services/"' in card
    assert 'href="/staff/booking-rules/"' in card
    assert card.split(steps[1])[0].endswith('<a href="/staff/specialists/">')
    # the specialist reads the same steps, linked only to what she may open
    hers = anna.split('id="clinic-start-title"')[1].split("</section>")[0]
    assert all(step in hers for step in steps)
    assert 'href="/staff/specialists/"' not in hers
    assert 'href="/staff/booking-rules/"' in hers


def test_the_opening_steps_cost_nothing_once_the_calendar_is_open(
    practice, django_assert_num_queries
):
    from cabinet.clinic.staff_home import next_actions

    with tenant_context(practice.tenant):
        practice.manager.has_perm("clinic.manage_schedule")  # the permissions, read once
        # when the calendar is open: the bookable check and today's visits, two queries
        with django_assert_num_queries(2):
            opened = next_actions(user=practice.manager, today=timezone.localdate())
        Specialist.objects.filter(pk=practice.omar.pk).update(is_active=False)
        practice.anna.hours.all().delete()  # Anna gives services but has no hours yet
        closed = next_actions(user=practice.manager, today=timezone.localdate())
    assert opened["opening_steps"] == []
    assert [step.key for step in closed["opening_steps"]] == ["services", "specialist", "hours"]
    assert [step.done for step in closed["opening_steps"]] == [True, True, False]
