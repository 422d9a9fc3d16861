"""Signals rbac emits; the apps above answer in their receivers.py.

personal_data_requested(user)  sent while building a person's data export, inside the tenant:
                               each receiver returns a list of PersonalDataSection (orders,
                               bookings, messages …) about that person.
"""

from dataclasses import dataclass, field

from django.dispatch import Signal

personal_data_requested = Signal()


@dataclass
class PersonalDataSection:
    title: str
    records: list[dict[str, str]] = field(default_factory=list)
