"""Personal fields are masked for staff without "view personal data", in HTML and in API
payloads alike: both render from `client_view`, never from the model."""

import datetime as dt
from dataclasses import dataclass
from datetime import date

from cabinet.accounts.models import ClientProfile

PERSONAL_FIELDS = ("email", "phone", "address", "birth_date", "document_number")
HIDDEN = "•••"


def mask_value(field: str, value: object) -> str:
    if value in (None, ""):
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    if field == "email" and "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}{HIDDEN}@{domain}"
    if field == "phone":
        digits = "".join(ch for ch in text if ch.isdigit())
        return f"{HIDDEN} {digits[-2:]}" if len(digits) >= 4 else HIDDEN
    return HIDDEN


@dataclass(frozen=True)
class ClientView:
    id: int
    name: str
    email: str
    phone: str
    address: str
    birth_date: str
    document_number: str
    notes: str
    last_activity_at: str
    masked: bool

    @property
    def last_activity(self) -> dt.datetime:
        """For pages, which write the date the reader's way (the CSV keeps the ISO text)."""
        return dt.datetime.fromisoformat(self.last_activity_at)


def client_view(client: ClientProfile, *, can_see_personal: bool) -> ClientView:
    raw = {
        "email": client.user.email,
        "phone": client.phone or client.user.phone_display,  # a contact phone, else sign-in
        "address": client.address,
        "birth_date": client.birth_date.isoformat() if client.birth_date else "",
        "document_number": client.document_number,
    }
    shown = raw if can_see_personal else {f: mask_value(f, v) for f, v in raw.items()}
    return ClientView(
        id=client.pk,
        name=client.user.get_full_name(),
        notes=client.notes,
        last_activity_at=client.last_activity_at.isoformat(),
        masked=not can_see_personal,
        **shown,
    )


def personal_value(client: ClientProfile, field: str) -> str:
    if field not in PERSONAL_FIELDS:
        raise ValueError(field)
    if field == "email":
        value = client.user.email
    elif field == "phone":
        value = client.phone or client.user.phone_display
    else:
        value = getattr(client, field)
    return value.isoformat() if isinstance(value, date) else str(value or "")
