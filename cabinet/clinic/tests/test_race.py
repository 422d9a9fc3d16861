"""Fifty clients racing for one specialist's slot: exactly one appointment, every other one
refused in words ("taken"), none a server error."""

import threading

from django.core.exceptions import ValidationError
from django.db import connections
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.clinic.models import Appointment
from cabinet.clinic.services import appointment_book
from cabinet.clinic.tests.conftest import Practice
from cabinet.clinic.tests.helpers import at
from tests.conftest import committed_tenant_for
from tests.factories import UserFactory

RACERS = 50


def test_fifty_threads_racing_for_one_slot_make_exactly_one_appointment(
    django_db_setup, django_db_blocker
):
    with committed_tenant_for(django_db_blocker, "clinic") as tenant:
        # given fifty clients of a clinic whose rows are committed
        with django_db_blocker.unblock():
            practice = Practice(tenant)
            with tenant_context(tenant):
                clients = [
                    ClientProfile.objects.create(user=UserFactory(email=f"racer{n}@example.com"))
                    for n in range(RACERS)
                ]
        starts = at(3, 10)
        gate = threading.Barrier(RACERS)
        outcomes: list[str] = []

        def race(client: ClientProfile) -> None:
            try:
                with tenant_context(tenant):
                    gate.wait()
                    appointment_book(
                        client=client,
                        service=practice.follow_up,
                        starts=starts,
                        specialist=practice.anna,
                    )
                outcomes.append("booked")
            except ValidationError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # counted, so the test says what went wrong
                outcomes.append(type(exc).__name__)
            finally:
                connections.close_all()

        # when they all book Anna's 10:00 at once
        with django_db_blocker.unblock():
            threads = [threading.Thread(target=race, args=(c,)) for c in clients]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            # then one appointment was made and 49 were told the time is taken
            with tenant_context(tenant):
                booked = Appointment.objects.filter(specialist=practice.anna, starts=starts)
                assert booked.count() == 1
        assert outcomes.count("booked") == 1
        assert outcomes.count("taken") == RACERS - 1
