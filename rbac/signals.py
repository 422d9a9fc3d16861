"""Signals rbac emits; the apps above answer in their receivers.py.

personal_data_requested(user)  sent while building a person's data export, inside the tenant:
                               each receiver returns a list of PersonalDataSection (orders,
                               bookings, messages …) about that person, naming the models each
                               section was read from (tests check that none is forgotten).
personal_data_erasing(user)    sent inside the deletion's transaction, before the account is
                               anonymised: each receiver erases what its app holds about the
                               person and anonymises what must be kept (orders, ledger, stays,
                               returns are accounting records kept for the retention period).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.dispatch import Signal

personal_data_requested = Signal()
personal_data_erasing = Signal()


@dataclass
class PersonalDataSection:
    title: str
    records: list[dict[str, str]] = field(default_factory=list)
    # The models ("app_label.Model") the section was read from.
    sources: tuple[str, ...] = ()


def personal_record(**fields: object) -> dict[str, str]:
    """One record of an export: every value as text (times in ISO 8601, nothing as None)."""
    record = {}
    for name, value in fields.items():
        if value is None:
            text = ""
        elif isinstance(value, datetime | date):
            text = value.isoformat()
        else:
            text = str(value)
        record[name.replace("_", " ")] = text
    return record


def file_delete_on_commit(file: FieldFile) -> None:
    """For personal_data_erasing receivers: the stored file goes once the erasure commits (a
    rolled-back erasure leaves the row and its file as they were)."""
    if file:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))
