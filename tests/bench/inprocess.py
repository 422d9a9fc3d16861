"""The Django side of the routing benchmark, run by tests.bench.routing in a subprocess under
tests.bench.settings:

    python -m tests.bench.inprocess RESULT.json

It provisions the `bench` tenant when it is missing, then sends requests for each variant through
Django's real WSGI handler in-process and writes per-request query counts to RESULT.json.

The real handler rather than django.test.Client: the Client disconnects close_old_connections
from request_started, which hides the CONN_HEALTH_CHECKS ping (`SELECT 1`, issued on a raw
psycopg cursor, invisible to CaptureQueriesContext) that a server pays on the first query of every
request. The ping is counted separately by wrapping connection.is_usable.
"""

import io
import json
import secrets
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import django

from tests.bench.variants import BENCH_HOST, RESPONSE_BODY, VARIANTS

BENCH_SLUG = "bench"
WARMUP_REQUESTS = 3
MEASURED_REQUESTS = 20


@dataclass(frozen=True)
class QueryCounts:
    queries: float
    set_search_path: float
    health_pings: float


def ensure_bench_tenant() -> bool:
    """Provision the bench tenant unless its domain already routes; True when it was created."""
    from tenants.models import Domain, TenantStatus
    from tenants.services import OwnerSpec, tenant_provision

    if Domain.objects.filter(domain=BENCH_HOST).exists():
        return False
    tenant = tenant_provision(
        slug=BENCH_SLUG,
        name="Bench",
        vertical="shop",
        owner=OwnerSpec(email="owner@bench.example.com", password=secrets.token_urlsafe(16)),
        status=TenantStatus.ACTIVE,
    )
    if not Domain.objects.filter(domain=BENCH_HOST, tenant=tenant).exists():
        raise RuntimeError(f"the bench tenant was provisioned but does not route {BENCH_HOST}")
    return True


def wsgi_environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": BENCH_HOST,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


class PingCounter:
    """Wraps connection.is_usable, which CONN_HEALTH_CHECKS calls once per request that queries."""

    def __init__(self, is_usable: Callable[[], bool]) -> None:
        self.is_usable = is_usable
        self.count = 0

    def __call__(self) -> bool:
        self.count += 1
        return self.is_usable()


def fetch(handler: Callable[..., Iterable[bytes]], path: str) -> None:
    """One request through the WSGI handler, signals included; fails unless it is the view's 200."""
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)

    result = handler(wsgi_environ(path), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # sends request_finished, as a WSGI server does
    if not statuses or not statuses[0].startswith("200") or body != RESPONSE_BODY:
        raise RuntimeError(f"GET {path} on {BENCH_HOST}: {statuses} {body[:200]!r}")


def count_queries(
    handler: Callable[..., Iterable[bytes]], path: str, requests: int, pings: PingCounter
) -> QueryCounts:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pings.count = 0
    with CaptureQueriesContext(connection) as captured:
        for _ in range(requests):
            fetch(handler, path)
    statements = [query["sql"] for query in captured.captured_queries]
    set_calls = sum(1 for sql in statements if sql.lstrip().upper().startswith("SET SEARCH_PATH"))
    return QueryCounts(
        queries=len(statements) / requests,
        set_search_path=set_calls / requests,
        health_pings=pings.count / requests,
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m tests.bench.inprocess RESULT.json\n")
        return 2
    django.setup()

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    created = ensure_bench_tenant()
    connection.set_schema_to_public()
    handler = WSGIHandler()
    pings = PingCounter(connection.is_usable)
    connection.is_usable = pings  # type: ignore[method-assign]

    # A fresh process: the first request for the host fills our router's cache.
    cold_ours = count_queries(handler, VARIANTS["ours"], 1, pings)
    steady: dict[str, QueryCounts] = {}
    for name, path in VARIANTS.items():
        for _ in range(WARMUP_REQUESTS):
            fetch(handler, path)
        steady[name] = count_queries(handler, path, MEASURED_REQUESTS, pings)

    report = {
        "tenant_created": created,
        "cold_ours": asdict(cold_ours),
        "steady": {name: asdict(counts) for name, counts in steady.items()},
    }
    Path(argv[0]).write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
