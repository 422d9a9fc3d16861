"""Every log line says which request (or task) wrote it and in which cabinet.

A request gets an id: the one our proxy sent in `X-Request-ID` (when it looks like an id), else
a new one; the response carries it back in `X-Request-ID`, so a person's "it failed" can be found
in the logs. A task sent during the request carries the id in its headers, and the worker's log
lines for that task carry it too. `ContextFilter` adds `request_id` and `tenant` (the schema) to
every record; with LOG_FORMAT=json (the production default) the console handler writes one JSON
object per line to stdout (python-json-logger), ready for a log shipper.
"""

import contextlib
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from tenants import signing

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "kabinet_request_id"
LOOKS_LIKE_AN_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
request_id: ContextVar[str] = ContextVar("request_id", default="")


def new_request_id() -> str:
    return signing.hex_mint(16)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        token = request_id.set(sent if LOOKS_LIKE_AN_ID.match(sent) else new_request_id())
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id.get()
            return response
        finally:
            request_id.reset(token)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `tenant` to every record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.tenant = getattr(connection, "schema_name", "") or ""
        return True


# --- Carried into tasks ----------------------------------------------------------------------


def _before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    current = request_id.get()
    if headers is not None and current and TASK_HEADER not in headers:
        headers[TASK_HEADER] = current


_tokens: dict[str, Token[str]] = {}


def _task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    context = getattr(task, "request", None)
    headers = getattr(context, "headers", None) or {}
    sent = str(headers.get(TASK_HEADER) or (context.get(TASK_HEADER) if context else "") or "")
    token = request_id.set(sent if LOOKS_LIKE_AN_ID.match(sent) else new_request_id())
    if task_id:
        _tokens[task_id] = token


def _task_postrun(task_id: str | None = None, **_: Any) -> None:
    token = _tokens.pop(task_id or "", None)
    if token is not None:
        # set in another context (a thread pool): the next task sets its own
        with contextlib.suppress(ValueError):
            request_id.reset(token)


def connect_task_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="logs-publish")
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="logs-prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="logs-postrun")
