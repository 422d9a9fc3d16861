"""Bench-only middleware: where a request's time goes inside the server, sent back in a
`Server-Timing` header (durations in ms) so the provisioning benchmark's HTTP client can split
its round trip without a profiler in the server.

    django     the whole request inside Django (this middleware is the outermost)
    argon2     hashing passwords (Argon2PasswordHasher.encode)
    schema     the schema step: tenants.services.spare_claim + clone_template (whatever they are
               in this process: mode (c) replaces them when its URLconf is imported)
    receivers  tenant_provisioned's receivers (owner, audit, branding, events; argon2 included)
    commit     COMMIT statements
    sql        every statement through Django's cursors (desc = how many)

Wrapping costs a few microseconds per call; only tests.bench.provisioning_settings installs it.
"""

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connections
from django.http import HttpRequest, HttpResponse

import tenants.services

_TIMED = "_bench_server_timing"


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.statements = 0

    def reset(self) -> None:
        self.seconds = {}
        self.statements = 0

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + seconds


clock = _Clock()  # sync workers: one request at a time per process


def _timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(function, _TIMED, False):
        return function

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            clock.add(label, time.perf_counter() - started)

    setattr(timed, _TIMED, True)
    return timed


def _sql(execute: Callable[..., Any], *args: Any) -> Any:
    started = time.perf_counter()
    try:
        return execute(*args)
    finally:
        clock.add("sql", time.perf_counter() - started)
        clock.statements += 1


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        Argon2PasswordHasher.encode = _timed("argon2", Argon2PasswordHasher.encode)  # type: ignore[method-assign]
        signal = tenants.services.tenant_provisioned
        signal.send = _timed("receivers", signal.send)  # type: ignore[method-assign]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Mode (c) swaps these in when its URLconf is first imported: wrap whatever is there now.
        tenants.services.spare_claim = _timed("schema", tenants.services.spare_claim)
        tenants.services.clone_template = _timed("schema", tenants.services.clone_template)
        wrapper = connections["default"]
        if not getattr(wrapper._commit, _TIMED, False):
            wrapper._commit = _timed("commit", wrapper._commit)  # type: ignore[method-assign]
        clock.reset()
        started = time.perf_counter()
        with wrapper.execute_wrapper(_sql):
            response = self.get_response(request)
        clock.add("django", time.perf_counter() - started)
        entries = [f"{label};dur={seconds * 1000:.2f}" for label, seconds in clock.seconds.items()]
        entries.append(f'statements;desc="{clock.statements}"')
        response["Server-Timing"] = ", ".join(entries)
        return response
