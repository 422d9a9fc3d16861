"""What every API module shares, the core's (api/) and the verticals' (cabinet/<vertical>/api.py),
which sit below api/ in the layers: request bodies taken as the schema says, pages, who may
call (a client, a member of staff, only on cabinets of one vertical) and the 409 refusal.

Request bodies are taken as the schema says, not as DRF would coerce them.

DRF turns `"2"` into 2, `0` into False and `123` into "123". The OpenAPI schema says an
integer, a boolean, a string; an integration that sends another type has a bug, and it is kinder
to say so at once (400, "expected an integer") than to guess. `JsonInput` checks each field's
JSON type before the field's own validation; nested inputs (a list of lines) do the same.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms import Form
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cabinet.content.translations import tr
from cabinet.verticals import current_vertical

# The most specific field first: EmailField and RegexField are CharFields, ChoiceField is not.
JSON_TYPES: list[tuple[type[serializers.Field], type | tuple[type, ...], str]] = [
    (serializers.BooleanField, bool, "true or false"),
    (serializers.IntegerField, int, "an integer"),
    (serializers.DecimalField, str, 'a decimal number in a string, e.g. "50.00"'),
    (serializers.CharField, str, "a string"),
    (serializers.ChoiceField, str, "a string"),
]


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "15:30",
     "description": "Local time of the cabinet, HH:MM"}
)  # fmt: skip
class LocalTimeField(serializers.TimeField):
    """A time of day as the cabinet's clock shows it, `15:30` (OpenAPI's `format: time` is
    RFC 3339's, which needs a zone that a lesson's or an arrival's time does not have)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class PlainTextField(serializers.CharField):
    """Text that a page's form cleans with cabinet.content.forms.plain_text (names, notes,
    comments): no < or >, no control characters but whitespace. Said as a pattern in the schema, and
    refused here with the same 400 the form would give."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(
            r"^[^<>\x00-\x08\x0e-\x1b]*$",
            _("Use letters, digits and punctuation only, without < or >."),
        ))  # fmt: skip


def json_type_problem(field: serializers.Field, value: Any) -> str | None:
    if value is None:
        return None  # the field says whether it may be null
    for kind, python_type, words in JSON_TYPES:
        if isinstance(field, kind):
            wrong = not isinstance(value, python_type) or (
                python_type is int and isinstance(value, bool)
            )
            return f"Expected {words}." if wrong else None
    return None


class JsonInput(serializers.Serializer):
    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, Mapping):
            problems = {
                name: [problem]
                for name, field in self.fields.items()
                if name in data and (problem := json_type_problem(field, data[name]))
            }
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)


def query_of(request: Request) -> dict[str, str]:
    """The query string as one value per name; a name given twice is a 400, not a guess."""
    repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
    if repeated:
        raise serializers.ValidationError(
            {name: ["Give this parameter once."] for name in repeated}
        )
    return request.query_params.dict()


class Pages(LimitOffsetPagination):
    """`limit` (1–100) and `offset` (0 or more), as the schema says; anything else is a 400 rather
    than the first page."""

    max_limit = 100  # default_limit: REST_FRAMEWORK["PAGE_SIZE"]

    def get_limit(self, request: Request) -> int:
        return self._number(request, self.limit_query_param, 1, self.max_limit, self.default_limit)

    def get_offset(self, request: Request) -> int:
        return self._number(request, self.offset_query_param, 0, None, 0)

    def _number(self, request: Request, name: str, low: int, high: int | None, default: int) -> int:
        raw = query_of(request).get(name)
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            raise serializers.ValidationError({name: ["Expected a whole number."]})
        number = int(raw)
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise serializers.ValidationError({name: [f"Expected a number {bounds}."]})
        return number

    def get_schema_operation_parameters(self, view: object) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit)
            else:
                parameter["schema"].update(minimum=0, maximum=999_999_999)
        return parameters


def form_errors(form: Form) -> serializers.ValidationError:
    """A page's form refused the request: its messages per field, as the API's 400 says them
    (the form's own words, in the caller's language; `detail` for the form as a whole)."""
    return serializers.ValidationError(
        {("detail" if name == "__all__" else name): [str(m) for m in messages]
         for name, messages in form.errors.items()}
    )  # fmt: skip


def refused(exc: ValidationError) -> Response:
    """A well-formed request the cabinet's present state turns down: 409, with the reason."""
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)


class IsClient(IsAuthenticated):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.user.is_staff:
            raise PermissionDenied("The client API is for clients.")
        return True


class IsStaff(IsAuthenticated):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if not request.user.is_staff:
            raise PermissionDenied("Staff only.")
        return True


class FromSelectors:
    """For a viewset whose rows come from a vertical's selectors, never from `get_object`: an
    OPTIONS request (DRF's metadata asks for the object of a PUT) finds none, as a 404 would.
    (A mixin, not a viewset: this module is imported while DRF reads its settings.)"""

    def get_object(self) -> None:
        raise NotFound()


class OfVertical(BasePermission):
    """An endpoint of one vertical (the view's `vertical`): 404 on every other cabinet, before
    credentials are looked at, as if it did not exist — as its pages do (vertical_required)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if current_vertical() != getattr(view, "vertical", None):
            raise NotFound()
        return True


# --- The owner's texts in the reader's language (cabinet.content.translations) -------------------


def api_language(request: Request | None) -> str | None:
    if request is None:
        return None
    known = dict(settings.LANGUAGES)
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in known:
            return base
    user = getattr(request, "user", None)
    language = getattr(user, "language", "") if user and user.is_authenticated else ""
    return language if language in known else None


class Localized(serializers.CharField):
    """A translatable text of the object (or of the object at `of`, e.g. "school_class"), read
    in the request's language."""

    def __init__(self, field: str, of: str = "*", **kwargs: object) -> None:
        self.text_field = field
        super().__init__(source=of, read_only=True, **kwargs)

    def bind(self, field_name: str, parent: serializers.BaseSerializer) -> None:
        if self.source == field_name:  # `school_class = Localized("name", of="school_class")`
            self.source = None  # DRF refuses a source that repeats the field's name
        super().bind(field_name, parent)

    def to_representation(self, value: object) -> str:
        return tr(value, self.text_field, api_language(self.context.get("request")))


class TranslationsField(serializers.DictField):
    """{"de": {"name": "…", "description": "…"}, …}: the texts in the cabinet's other content
    languages (the ordinary fields hold its default language's)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault(
            "help_text",
            "Texts per content language other than the cabinet's default: "
            '{"de": {"name": "…"}}. A language or field left out has no translation.',
        )
        super().__init__(child=serializers.DictField(child=serializers.CharField()), **kwargs)
