"""The owner's fields in the API (issue 22, point 3): a `custom` object on the client's profile
and on the staff's client records, typed in each cabinet's own schema — `/api/schema/` on the
cabinet's host lists the cabinet's fields with their types, choices and who may write them.

A serializer marks where the fields go (`values_field`); the schema hook below replaces the mark
with the cabinet's fields when the schema is generated on the cabinet's host."""

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cabinet.custom_fields import services as cf
from cabinet.custom_fields.models import CustomField

MARK = "x-kabinet-custom"
MASKED = "Personal data: always masked here (•••); reveal it in the back office, with a reason"


def values_field(target: str, audience: str, **kwargs: object) -> serializers.Field:
    """A `custom` object for `target`'s fields as `audience` ("client", "staff") sees them."""

    @extend_schema_field({"type": "object", MARK: [target, audience]})
    class CustomValues(serializers.JSONField):
        pass

    return CustomValues(
        help_text="The cabinet's own fields, by key; each is typed in this cabinet's schema.",
        **kwargs,
    )


def _typed(field: CustomField, audience: str) -> dict:
    if audience == "staff" and field.access == CustomField.Access.PERSONAL:
        return {"type": "string", "readOnly": True, "description": f"{field.label}. {MASKED}"}
    kinds = {
        "text": {"type": "string", "maxLength": cf.TEXT_MAX},
        "number": {"type": "number"},
        "date": {"type": "string", "format": "date"},
        "choice": {"type": "string", "enum": [*field.choices, None]},
        "yes_no": {"type": "boolean"},
        "file": {
            "type": "object", "readOnly": True,
            "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
        },
    }  # fmt: skip
    description = " — ".join(part for part in (field.label, field.help_text) if part)
    return {**kinds[field.kind], "nullable": True, "description": description}


def _object_for(target: str, audience: str, *, request_body: bool) -> dict:
    fields = []
    if connection.schema_name != "public" and cf.target_of(target) is not None:
        fields = cf.fields_for(target, audience="client" if audience == "client" else "staff")
    properties = {}
    for field in fields:
        typed = _typed(field, audience)
        if request_body and typed.get("readOnly"):
            continue
        properties[field.key] = {k: v for k, v in typed.items() if k != "readOnly"}
    return {
        "type": "object", "properties": properties, "additionalProperties": False,
        "description": "The cabinet's own fields, by key (none defined yet)" if not properties
        else "The cabinet's own fields, by key",
    }  # fmt: skip


def schema_hook(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing: each marked `custom` property becomes this cabinet's
    typed object (request bodies leave out what the caller cannot write)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        for key, prop in list(component.get("properties", {}).items()):
            mark = prop.get(MARK)
            if mark:
                target, audience = mark
                request_body = name.endswith("Request")
                component["properties"][key] = _object_for(target, audience,
                                                           request_body=request_body)  # fmt: skip
    return result


def fields_of(target: str, audience: str) -> list[CustomField]:
    """The fields `audience` sees on `target` (read once per request, not once per record)."""
    if cf.target_of(target) is None:
        return []
    return cf.fields_for(target, audience="client" if audience == "client" else "staff")


def values_out(record: object, fields: list[CustomField], audience: str) -> dict[str, object]:
    """A record's values as the API gives them: typed, personal ones masked for staff."""
    stored = record.custom or {}
    values: dict[str, object] = {}
    for field in fields:
        value = stored.get(field.key)
        if value is not None and field.kind == CustomField.Kind.FILE:
            value = {"name": value.get("name", ""), "size": value.get("size", 0)}
        if audience == "staff" and field.access == CustomField.Access.PERSONAL:
            value = cf.HIDDEN if value not in (None, "") else None
        values[field.key] = value
    return values


def values_in(raw: object, target: str, audience: str) -> dict[str, object]:
    """A `custom` object from a request, checked field by field: a 400 names each bad key."""
    if not isinstance(raw, dict):
        raise serializers.ValidationError(
            {"custom": [_("Give an object of field keys and values.")]}
        )
    fields = {f.key: f for f in cf.fields_for(target, audience=audience)}
    values, errors = {}, {}
    for key, value in raw.items():
        field = fields.get(key)
        if field is None or (audience == "staff" and field.access == CustomField.Access.PERSONAL):
            errors[key] = [_("There is no such field you may write.")]
            continue
        try:
            values[key] = cf.value_parse(field, value)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise serializers.ValidationError({"custom": errors})
    return values
