"""Sentry set-up: off without a DSN; every event is tagged with the tenant's schema and carries no
personal data of our clients."""

from typing import Any
from urllib.parse import parse_qsl, urlencode

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.transport import Transport

# Request fields that can carry a client's personal data; Sentry's own scrubber covers cookies,
# auth headers and passwords, these are ours.
_PERSONAL_KEYS = {"email", "phone", "address", "birth_date", "document_number", "full_name"}


def _current_schema() -> str:
    from django.db import connection

    return getattr(connection, "schema_name", "") or "unknown"


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: "[Filtered]" if str(key).lower() in _PERSONAL_KEYS else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _scrub_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "[Filtered]" if k.lower() in _PERSONAL_KEYS else v) for k, v in pairs])


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    event.setdefault("tags", {}).setdefault("tenant", _current_schema())
    request = event.get("request")
    if isinstance(request, dict):
        if "data" in request:
            request["data"] = _scrub(request["data"])
        if isinstance(request.get("query_string"), str):
            request["query_string"] = _scrub_query(request["query_string"])
    return event


def init_sentry(
    *,
    dsn: str,
    environment: str,
    traces_sample_rate: float = 0.0,
    release: str | None = None,
    transport: type[Transport] | None = None,
) -> None:
    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No user details, request bodies or frame locals: they can hold our clients' data.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
        traces_sample_rate=traces_sample_rate,
        before_send=before_send,
        **options,
    )
