"""The hotel's answers to rbac's personal-data signals: a guest's stays and online check-in in
their data export; on deletion the check-in details and the document photo are erased and the
stays (accounting records) kept without them."""

from typing import Any

from django.dispatch import receiver

from cabinet.hotel.models import Stay
from cabinet.verticals import current_vertical
from rbac.models import User
from rbac.signals import (
    PersonalDataSection,
    file_delete_on_commit,
    personal_data_erasing,
    personal_data_requested,
    personal_record,
)


@receiver(personal_data_requested, dispatch_uid="hotel-personal-data")
def export_stays(sender: type[User], user: User, **kwargs: Any) -> list[PersonalDataSection]:
    if current_vertical() != "hotel":
        return []
    stays = Stay.objects.filter(client__user=user).select_related("room")
    return [
        PersonalDataSection(
            title="Stays and online check-in",
            records=[
                personal_record(
                    reservation=s.reservation_code,
                    arrival=s.arrival,
                    departure=s.departure,
                    room=s.room.number if s.room else s.room_type,
                    adults=s.adults,
                    children=s.children,
                    status=s.status,
                    name_as_in_document=s.guest_name,
                    birth_date=s.guest_birth_date,
                    citizenship=s.citizenship,
                    document_number=s.document_number,
                    document_photo=s.document_name or ("kept" if s.document else ""),
                    arrival_time=s.arrival_time,
                    checked_in_online=s.checked_in_online_at,
                )
                for s in stays
            ],
            sources=("hotel.Stay",),
        )
    ]


@receiver(personal_data_erasing, dispatch_uid="hotel-personal-data-erase")
def erase_check_in(sender: type[User], user: User, **kwargs: Any) -> None:
    for stay in Stay.objects.filter(client__user=user).exclude(document=""):
        file_delete_on_commit(stay.document)
    Stay.objects.filter(client__user=user).update(
        guest_name="",
        guest_birth_date=None,
        citizenship="",
        document_number="",
        document="",
        document_name="",
        arrival_time=None,
    )
