"""Fields the owner defines (issue 22, point 3): "Car plate" on stays, "Allergies" on students,
"VAT number" on clients — added on /staff/content/fields/ without code.

Where the values live: in a `custom` JSON column on the record they describe (ClientProfile,
Order, Booking, Stay, Student), GIN-indexed, rather than in an entity-attribute-value table.
A value is read with its row, so lists and exports stay at their query counts (the staff list
runs in 4 queries over 100,000 clients; a value table would add a join or a query per field); it
is erased, anonymised and exported with the row; and `custom__car_plate="AB123"` is an indexed
lookup. The definitions (CustomField) give each value its type, who may see it and whether it is
required; values are validated against them on every write, and a value whose field was switched
off is kept but no longer shown.

Who sees a field:
- "client": the client sees and edits it (their profile, their booking, stay, order or child);
- "staff": staff only;
- "personal": the client's own personal data: the client edits it, staff see it masked and
  reveal it one at a time with a reason, audited, like a phone number.
"""

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabinet.accounts.masking import HIDDEN
from cabinet.accounts.models import ClientProfile
from cabinet.common.storage_quota import storage_changed, storage_check
from cabinet.custom_fields.models import CustomField
from cabinet.verticals import current_vertical, verticals
from rbac.audit import audit_record
from rbac.models import User
from rbac.signals import PersonalDataSection, personal_record

Kind = CustomField.Kind
Access = CustomField.Access
FILE_MAX_BYTES = 10 * 1024 * 1024
TEXT_MAX = 500
CHOICES_MAX = 30


@dataclass(frozen=True)
class Target:
    key: str
    model_label: str  # "cabinet.ClientProfile"
    vertical: str = ""  # only on cabinets of this vertical
    # the ClientProfile the record belongs to, as a filter on the record's queryset
    client_path: str = "client"
    see_all: str = ""  # the permission that shows staff every record, not only their clients'
    shared: bool = False  # the business's record (kept on the client's erasure)
    staff_url: str = ""  # the record's back-office page (URL name taking its pk)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def available(self) -> bool:
        return not self.vertical or self.vertical == current_vertical()

    def of_client(self, client: ClientProfile) -> models.QuerySet:
        """The records of this kind that belong to the client (their own, their child's)."""
        value = client.pk if self.client_path == "pk" else client
        return self.model.objects.filter(**{self.client_path: value})

    def for_staff(self, staff: User) -> models.QuerySet:
        """The records a staff member may see: those of the clients they may see."""
        from cabinet.access import clients_for

        visible = clients_for(staff)
        if self.key == "client":
            return visible
        if self.see_all and (staff.is_superuser or staff.has_perm(self.see_all)):
            return self.model.objects.all()
        return self.model.objects.filter(**{f"{self.client_path}__in": visible}).distinct()


CORE_TARGETS: dict[str, Target] = {
    "client": Target("client", "cabinet.ClientProfile", client_path="pk", staff_url="staff:client"),
    "order": Target("order", "cabinet.Order"),
    "booking": Target("booking", "cabinet.Booking"),
}


def targets() -> dict[str, Target]:
    """What fields can be added to: the core's records, then every vertical's (its
    `field_targets`), each available on its vertical's cabinets only."""
    found = dict(CORE_TARGETS)
    for vertical in verticals():
        for spec in vertical.field_targets:
            found[spec.key] = Target(
                spec.key, spec.model_label, vertical=vertical.vertical_key,
                client_path=spec.client_path, see_all=spec.see_all, shared=spec.shared,
                staff_url=spec.staff_url,
            )  # fmt: skip
    return found


def target_of(key: str) -> Target | None:
    target = targets().get(key)
    return target if target is not None and target.available() else None


def fields_for(target: str, *, audience: str = "staff") -> list[CustomField]:
    """The fields in use on `target`, in the owner's order; a client sees only theirs."""
    queryset = CustomField.objects.filter(target=target, active=True)
    if audience == "client":
        queryset = queryset.filter(access__in=(Access.CLIENT, Access.PERSONAL))
    return list(queryset)


# --- Definitions --------------------------------------------------------------------------------


def choices_parse(text: str) -> list[str]:
    """The owner types one choice per line."""
    seen: list[str] = []
    for line in text.splitlines():
        choice = " ".join(line.split())[:80]
        if choice and choice not in seen:
            seen.append(choice)
    return seen


def definition_clean(field: CustomField) -> None:
    """A definition that makes sense: a key of its own, choices for a choice field."""
    if field.target not in targets():
        raise ValidationError({"target": _("Choose what the field is added to.")})
    field.key = slugify(field.key or field.label).replace("-", "_")[:40]
    if not field.key or not field.key[0].isalpha():
        raise ValidationError({"key": _("Start the key with a letter: car_plate, allergies.")})
    if field.kind == Kind.CHOICE and not field.choices:
        raise ValidationError({"choices": _("Give at least one choice, one per line.")})
    if field.kind != Kind.CHOICE:
        field.choices = []
    if len(field.choices) > CHOICES_MAX:
        raise ValidationError({"choices": _("At most %(count)d choices.") % {"count": CHOICES_MAX}})
    clash = CustomField.objects.filter(target=field.target, key=field.key).exclude(pk=field.pk)
    if clash.exists():
        raise ValidationError({"key": _("Another field here already has this key.")})


# --- Values -------------------------------------------------------------------------------------


def form_field(field: CustomField) -> forms.Field:
    """The Django form field that edits `field`, with the client's language's messages."""
    common = {"label": field.label, "help_text": field.help_text, "required": field.required}
    if field.kind == Kind.NUMBER:
        return forms.DecimalField(max_digits=18, decimal_places=4, **common)
    if field.kind == Kind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if field.kind == Kind.CHOICE:
        options = [("", "—"), *((c, c) for c in field.choices)]
        return forms.ChoiceField(choices=options, **common)
    if field.kind == Kind.YES_NO:
        # a required yes/no is a question that must be answered, not a box that must be ticked
        options = [("", "—"), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
        return forms.ChoiceField(choices=options, **common)
    if field.kind == Kind.FILE:
        return forms.FileField(**{**common, "required": False})
    return forms.CharField(max_length=TEXT_MAX, **common)


def value_to_json(field: CustomField, value: object) -> object:
    """A cleaned form value as it is stored: JSON-native and typed."""
    if value in (None, ""):
        return None
    if field.kind == Kind.NUMBER:
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == Kind.DATE:
        return value.isoformat()
    if field.kind == Kind.YES_NO:
        return value == "yes"
    return value


def value_for_form(field: CustomField, stored: object) -> object:
    if stored is None:
        return None
    if field.kind == Kind.YES_NO:
        return "yes" if stored else "no"
    if field.kind == Kind.FILE:
        return None
    return stored


def value_parse(field: CustomField, raw: object) -> object:
    """A value from the API (JSON), checked the same way a form checks it."""
    if raw is None or raw == "":
        if field.required:
            raise ValidationError(_("This field is required."), code="required")
        return None
    if field.kind == Kind.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(_("Enter a number."), code="invalid")
        try:
            number = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValidationError(_("Enter a number."), code="invalid") from exc
        if not number.is_finite() or abs(number) >= Decimal(10) ** 14:
            raise ValidationError(_("Enter a number."), code="invalid")
        return value_to_json(field, number)
    if field.kind == Kind.DATE:
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid") from exc
    if field.kind == Kind.YES_NO:
        if not isinstance(raw, bool):
            raise ValidationError(_("Answer true or false."), code="invalid")
        return raw
    if field.kind == Kind.FILE:
        raise ValidationError(_("Files are uploaded in the cabinet."), code="invalid")
    if not isinstance(raw, str):
        raise ValidationError(_("Enter text."), code="invalid")
    text = raw.strip()
    if field.kind == Kind.CHOICE and text not in field.choices:
        raise ValidationError(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(field.choices)},
            code="invalid_choice",
        )
    if len(text) > TEXT_MAX:
        raise ValidationError(
            _("At most %(count)d characters.") % {"count": TEXT_MAX}, code="max_length"
        )
    return text


def value_display(field: CustomField, stored: object) -> str:
    """A stored value as a person reads it (dates and numbers in their language)."""
    from django.utils.formats import date_format, number_format

    if stored is None or stored == "":
        return ""
    if field.kind == Kind.YES_NO:
        return _("Yes") if stored else _("No")
    if field.kind == Kind.DATE:
        try:
            return date_format(dt.date.fromisoformat(stored))
        except (TypeError, ValueError):
            return ""
    if field.kind == Kind.NUMBER:
        return number_format(stored, use_l10n=True, force_grouping=True)
    if field.kind == Kind.FILE:
        return stored.get("name", "") if isinstance(stored, dict) else ""
    return str(stored)


@dataclass(frozen=True)
class Shown:
    """One field of one record as a page shows it."""

    field: CustomField
    text: str  # the value, or the mask
    masked: bool
    has_file: bool


def shown_values(
    record: models.Model, fields: list[CustomField], *, can_see_personal: bool = False,
    audience: str = "staff",
) -> list[Shown]:  # fmt: skip
    values = record.custom or {}
    rows = []
    for field in fields:
        stored = values.get(field.key)
        text = value_display(field, stored)
        masked = (
            audience == "staff" and field.access == Access.PERSONAL and bool(text)
            and not can_see_personal
        )  # fmt: skip
        rows.append(Shown(field, HIDDEN if masked else text, masked,
                          field.kind == Kind.FILE and bool(stored)))  # fmt: skip
    return rows


def _file_store(record: models.Model, field: CustomField, upload: UploadedFile) -> dict:
    if upload.size > FILE_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    storage_check(upload.size, for_staff=False)
    name = os.path.basename(upload.name)[-120:] or "file"
    stem, ext = os.path.splitext(name)
    path = default_storage.save(
        f"private/fields/{connection.schema_name}/{field.target}/{record.pk}/"
        f"{field.key}-{slugify(stem)[:40] or 'file'}{ext[:10].lower()}",
        upload,
    )
    return {"name": name, "path": path, "size": upload.size}


def values_save(
    *, record: models.Model, target: str, values: dict[str, object], by: User,
    files: dict[str, UploadedFile] | None = None, request: object = None,
) -> models.Model:  # fmt: skip
    """Write typed values of `target`'s fields on `record` (a partial update: keys absent from
    `values` stay as they are), audited with the keys changed — never the values of personal
    fields."""
    fields = {f.key: f for f in fields_for(target)}
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationError(
            _("There is no such field: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
        )
    stored_files: list[str] = []
    with transaction.atomic():
        locked = type(record).objects.select_for_update(of=("self",)).get(pk=record.pk)
        custom = dict(locked.custom or {})
        before = dict(custom)
        for key, value in values.items():
            if value is None:
                custom.pop(key, None)
            else:
                custom[key] = value
        for key, upload in (files or {}).items():
            if key in fields and fields[key].kind == Kind.FILE and upload:
                custom[key] = _file_store(locked, fields[key], upload)
                stored_files.append(custom[key]["path"])
        missing = [
            f.label for f in fields.values()
            if f.required and custom.get(f.key) in (None, "") and f.kind != Kind.FILE
        ]  # fmt: skip
        if missing:
            raise ValidationError(
                _("Fill in: %(fields)s.") % {"fields": ", ".join(missing)}, code="required"
            )
        changed = sorted(k for k in set(before) | set(custom) if before.get(k) != custom.get(k))
        if changed:
            type(record).objects.filter(pk=record.pk).update(custom=custom)
            audit_record(
                action="custom_fields.changed", actor=by, target=locked,
                changes={
                    k: ("•" if fields.get(k) and fields[k].access == Access.PERSONAL
                        else [before.get(k), custom.get(k)])
                    for k in changed
                },
                request=request,
            )  # fmt: skip
    if stored_files:
        storage_changed()
    record.custom = custom
    return record


def form_values(fields: list[CustomField], cleaned: dict[str, object]) -> dict[str, object]:
    """The typed values of a bound form's custom fields (files travel apart)."""
    return {
        f.key: value_to_json(f, cleaned.get(f"cf_{f.key}")) for f in fields if f.kind != Kind.FILE
    }


def form_files(fields: list[CustomField], files: object) -> dict[str, UploadedFile]:
    return {
        f.key: files[f"cf_{f.key}"]
        for f in fields
        if f.kind == Kind.FILE and files and files.get(f"cf_{f.key}")
    }


def form_class(fields: list[CustomField]) -> type[forms.Form]:
    """A form for these fields, named cf_<key> so they never clash with a page's own."""
    return type(
        "CustomFieldsForm",
        (forms.Form,),
        {f"cf_{f.key}": form_field(f) for f in fields},
    )


def form_initial(record: models.Model, fields: list[CustomField]) -> dict[str, object]:
    values = record.custom or {}
    return {f"cf_{f.key}": value_for_form(f, values.get(f.key)) for f in fields}


def reveal(
    *, record: models.Model, field: CustomField, reason: str, staff: User, request: object
) -> str:
    """A personal field's value shown to one staff member, with a reason, audited."""
    if not (staff.is_superuser or staff.has_perm("cabinet.view_personal_data")):
        raise PermissionDenied("cannot see personal data")
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationError(_("Say why you need it: the reason goes into the audit log."))
    audit_record(action="custom_field.revealed", actor=staff, target=record,
                 changes={"field": field.key}, reason=reason[:500], request=request)  # fmt: skip
    return value_display(field, (record.custom or {}).get(field.key))


def export_columns(
    target: str, *, can_see_personal: bool
) -> tuple[list[str], Callable[[models.Model], list[str]]]:
    """Extra columns for a staff export: headers, and a function giving a record's cells."""
    fields = fields_for(target)

    def cells(record: models.Model) -> list[str]:
        return [s.text for s in shown_values(record, fields, can_see_personal=can_see_personal)]

    return [f.key for f in fields], cells


def _client_records(client: ClientProfile) -> list[tuple[str, models.Model]]:
    """Every record of the client's that can carry the owner's fields, with a readable name."""
    found: list[tuple[str, models.Model]] = []
    for target in targets().values():
        if not target.available():
            continue
        for record in target.of_client(client).exclude(custom={}):
            found.append((target.key, record))
    return found


def personal_section(client: ClientProfile) -> PersonalDataSection:
    """What the person's data export says of these fields: every value the business keeps about
    them under its own fields, staff-only ones included (it is their data)."""
    labels = {(f.target, f.key): f for f in CustomField.objects.all()}
    records = []
    for target, record in _client_records(client):
        for key, stored in (record.custom or {}).items():
            field = labels.get((target, key))
            text = value_display(field, stored) if field else str(stored)
            records.append(personal_record(
                about=f"{target} {record.pk}", field=field.label if field else key, value=text
            ))  # fmt: skip
    return PersonalDataSection(
        title="Other details", records=records,
        sources=tuple(sorted({t.model_label for t in targets().values()})),
    )  # fmt: skip


def personal_erase(client: ClientProfile) -> None:
    """On deletion: the values go, with their files; accounting rows kept anonymised keep none."""
    shared = {key for key, target in targets().items() if target.shared}
    for target, record in _client_records(client):
        if target in shared:  # the business's record (a school's of the child), not the client's
            continue
        for stored in (record.custom or {}).values():
            if isinstance(stored, dict) and stored.get("path"):
                path = stored["path"]
                transaction.on_commit(lambda path=path: default_storage.delete(path))
        type(record).objects.filter(pk=record.pk).update(custom={})


# --- What staff may do with the fields ---------------------------------------------------------


def can_edit(staff: User) -> bool:
    return staff.is_superuser or staff.has_perm("cabinet.change_clientprofile")


def can_reveal(staff: User) -> bool:
    return staff.is_superuser or staff.has_perm("cabinet.view_personal_data")


def staff_panel(staff: User, record: models.Model, target: str) -> dict[str, object] | None:
    """What a record's page shows of its fields: None when the owner defined none."""
    fields = fields_for(target)
    if not fields:
        return None
    return {
        "target": target, "record": record,
        "shown": shown_values(record, fields, can_see_personal=False),
        "can_edit": can_edit(staff), "can_reveal": can_reveal(staff),
    }  # fmt: skip
