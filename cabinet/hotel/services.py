"""What changes a stay: staff book it, assign a room and move it along; the guest checks in
online before arrival. One transaction each, audited."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.common.images import picture_file, picture_names
from cabinet.common.storage_quota import storage_changed, storage_check
from cabinet.feedback.services import review_ask
from cabinet.hotel.models import MapPlan, Room, Stay
from cabinet.messaging.chat import attachment_clean
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.work.intake import work_close, work_open
from rbac.audit import audit_record
from rbac.models import User
from tenants import signing

# No 0/O, 1/I/L: a code read out over the phone is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_NIGHTS = 90
MAP_PLAN_MAX_BYTES = 8_000_000

S = Stay.Status
TRANSITIONS = {
    S.BOOKED: {S.CHECKED_IN_ONLINE, S.IN_HOUSE, S.CANCELLED},
    S.CHECKED_IN_ONLINE: {S.IN_HOUSE, S.CANCELLED},
    S.IN_HOUSE: {S.DEPARTED},
}


def _code() -> str:
    return signing.code_mint(CODE_ALPHABET, 6)


def _check_dates(arrival, departure) -> None:
    if departure <= arrival:
        raise ValidationError(_("Departure comes after arrival."), code="dates")
    if (departure - arrival).days > MAX_NIGHTS:
        raise ValidationError(
            _("A stay is at most %(n)d nights.") % {"n": MAX_NIGHTS}, code="too_long"
        )


@transaction.atomic
def stay_create(
    *, client: ClientProfile, arrival, departure, adults: int = 2, children: int = 0,
    room_type: str = "", included: list[CatalogItem] | tuple = (), by: User,
    external_id: str = "",
) -> Stay:  # fmt: skip
    _check_dates(arrival, departure)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                stay = Stay.objects.create(
                    client=client, reservation_code=_code(), arrival=arrival,
                    departure=departure, adults=adults, children=children,
                    room_type=room_type[:80], external_id=external_id,
                )  # fmt: skip
            break
        except IntegrityError:
            continue  # the code was taken: draw another
    else:  # pragma: no cover — 31^6 codes
        raise ValidationError(_("Please try again."), code="code")
    stay.included.set(included)
    audit_record(action="stay.created", actor=by, target=stay,
                 changes={"arrival": str(arrival), "departure": str(departure)})  # fmt: skip
    guest = client.user
    with in_language_of(guest):
        title = _("Your stay from %(arrival)s is booked: check in online before you come") % {
            "arrival": date_format(arrival, "DATE_FORMAT")
        }
    url = reverse("hotel:stay-detail", args=[stay.pk])
    notify(recipient=guest, event=NotificationEvent.BOOKING, title=title, url=url,
           key=f"stay:{stay.pk}:booked")  # fmt: skip
    return stay


@transaction.atomic
def stay_sync(
    *, external_id: str, client: ClientProfile, arrival, departure, adults: int, children: int,
    room_type: str, status: str | None, by: User,
) -> tuple[Stay, bool]:  # fmt: skip
    """Create or update the stay a property-management system knows as `external_id`, and
    whether it was created. The same call again changes nothing; calls racing for one external
    id take turns (a lock for this transaction), so they make one stay. A new stay is booked as
    the front desk books one (stay_create: code, audit, the guest told); a status moves as the
    front desk moves it (stay_set_status)."""
    with connection.cursor() as cursor:
        lock = f"{connection.schema_name}:hotel.stay:{external_id}"
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock])
    stay = Stay.objects.select_for_update().filter(external_id=external_id).first()
    created = stay is None
    if stay is None:
        stay = stay_create(client=client, arrival=arrival, departure=departure, adults=adults,
                           children=children, room_type=room_type, by=by,
                           external_id=external_id)  # fmt: skip
    else:
        if stay.client_id != client.pk:
            raise ValidationError(
                _("This external id is another guest's stay."), code="other_guest"
            )
        _check_dates(arrival, departure)
        wanted = {"arrival": arrival, "departure": departure, "adults": adults,
                  "children": children, "room_type": room_type[:80]}  # fmt: skip
        changes = {f: [str(getattr(stay, f)), str(v)] for f, v in wanted.items()
                   if getattr(stay, f) != v}  # fmt: skip
        if changes:
            if stay.room_id and {"arrival", "departure"} & changes.keys():
                overlapping = (
                    Stay.objects.filter(room_id=stay.room_id, arrival__lt=departure,
                                        departure__gt=arrival)
                    .exclude(pk=stay.pk).exclude(status=S.CANCELLED)
                )  # fmt: skip
                if overlapping.exists():
                    raise ValidationError(
                        _("Room %(room)s is taken on some of these nights.")
                        % {"room": stay.room.number}, code="room_taken",
                    )  # fmt: skip
            for field, value in wanted.items():
                setattr(stay, field, value)
            stay.save(update_fields=list(changes))
            audit_record(action="stay.synced", actor=by, target=stay, changes=changes)
    if status and status != stay.status:
        stay = stay_set_status(stay=stay, to=status, by=by)
    return stay, created


@transaction.atomic
def stay_check_in(
    *, stay: Stay, guest_name: str, birth_date, citizenship: str, document_number: str,
    arrival_time, upload: UploadedFile | None,
) -> Stay:  # fmt: skip
    """The guest's online check-in: their details as in the document, a scan or photo of it
    (a picture re-encoded, or a PDF; at most 5 MB) and when they will arrive. May be sent again
    to correct it until the stay is in the hotel."""
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    if not locked.can_check_in_online:
        raise ValidationError(_("This stay can no longer be checked in online."), code="closed")
    if upload is None and not locked.document:
        raise ValidationError(_("Add a photo or scan of your document."), code="document")
    if upload is not None:
        content, name = attachment_clean(upload)
        storage_check(content.size, for_staff=False)
        if locked.document:
            locked.document.delete(save=False)
        locked.document.save(f"{uuid.uuid4().hex}-{name}", content, save=False)
        locked.document_name = name
        storage_changed()
    locked.guest_name = guest_name
    locked.guest_birth_date = birth_date
    locked.citizenship = citizenship
    locked.document_number = document_number
    locked.arrival_time = arrival_time
    locked.checked_in_online_at = timezone.now()
    if locked.status == S.BOOKED:
        locked.status = S.CHECKED_IN_ONLINE
    locked.save()
    audit_record(action="stay.checked_in_online", actor=locked.client.user, target=locked,
                 changes={"arrival_time": str(arrival_time)})  # fmt: skip
    work_open(client=locked.client, kind="checkin", source=f"stay:{locked.pk}:checkin",
              title=_("Check-in: %(name)s") % {"name": guest_name},
              details=str(arrival_time))  # fmt: skip
    return locked


@transaction.atomic
def stay_set_status(*, stay: Stay, to: str, by: User) -> Stay:
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    if to not in TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("A stay that is “%(status)s” cannot change that way.")
            % {"status": locked.get_status_display()},
            code="transition",
        )
    before = locked.status
    locked.status = to
    locked.save(update_fields=["status"])
    audit_record(action="stay.status", actor=by, target=locked,
                 changes={"from": before, "to": to})  # fmt: skip
    work_close(source=f"stay:{locked.pk}:checkin", by=by, cancelled=to == S.CANCELLED)
    if to == S.DEPARTED:
        guest = locked.client.user
        with in_language_of(guest):
            title = _("Your stay from %(arrival)s") % {
                "arrival": date_format(locked.arrival, "DATE_FORMAT")
            }
        review_ask(client=locked.client, subject=f"stay:{locked.pk}", title=title,
                   service=locked.room_type or (locked.room.kind if locked.room else ""),
                   staff=by, url=reverse("hotel:stay-detail", args=[locked.pk]))  # fmt: skip
    return locked


@transaction.atomic
def stay_assign_room(*, stay: Stay, room: Room | None, by: User) -> Stay:
    if room is not None:
        Room.objects.select_for_update().get(pk=room.pk)  # one assignment of a room at a time
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    if room is not None:
        overlapping = (
            Stay.objects.filter(room=room, arrival__lt=locked.departure,
                                departure__gt=locked.arrival)
            .exclude(pk=locked.pk)
            .exclude(status=S.CANCELLED)
        )  # fmt: skip
        if overlapping.exists():
            raise ValidationError(
                _("Room %(room)s is taken on some of these nights.") % {"room": room.number},
                code="room_taken",
            )
    locked.room = room
    locked.save(update_fields=["room"])
    audit_record(action="stay.room", actor=by, target=locked,
                 changes={"room": room.number if room else ""})  # fmt: skip
    return locked


@transaction.atomic
def map_plan_set(*, upload: UploadedFile, request: object) -> MapPlan:
    """The owner's plan of the resort replaces the bundled drawing (re-encoded, counted against
    storage, audited); the pins keep their places in percent of the plan."""
    picture = picture_file(upload, max_bytes=MAP_PLAN_MAX_BYTES)
    storage_check(picture.size + len(picture.small) + len(picture.thumb), for_staff=True)
    with Image.open(io.BytesIO(picture.read())) as image:
        width, height = image.size
    picture.seek(0)
    plan = MapPlan.objects.select_for_update().first() or MapPlan()
    previous = plan.image.name if plan.pk else ""
    plan.image.save(picture.name, picture, save=False)
    plan.width, plan.height = width, height
    plan.save()
    storage_changed()
    audit_record(action="map_plan.set", target=plan,
                 changes={"plan": [previous, plan.image.name]}, request=request)  # fmt: skip
    if previous and previous != plan.image.name:
        storage = plan.image.storage
        transaction.on_commit(lambda: [storage.delete(n) for n in picture_names(previous)])
    return plan


@transaction.atomic
def map_plan_remove(*, request: object) -> None:
    """Back to the bundled drawing."""
    plan = MapPlan.objects.select_for_update().first()
    if plan is None:
        return
    storage, name = plan.image.storage, plan.image.name
    audit_record(action="map_plan.removed", target=plan, request=request)
    plan.delete()
    storage_changed()
    transaction.on_commit(lambda: [storage.delete(n) for n in picture_names(name)])
