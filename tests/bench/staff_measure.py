"""How tests.bench.staff measures: the list's data in-process, the whole request through Django's
WSGIHandler, and which caller sent each statement. Django is imported lazily (the driver sets the
environment first)."""

import os
import re
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.harness import BenchError, quantile

SLUG = "hotel"
HOST = f"{SLUG}.localhost"
LIST_PATH = "/staff/clients/"
PAGE_SIZE = 25  # cabinet.staff.clients.PAGE_SIZE
WARMUP = 20
ATTRIBUTION_REPS = 20
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# The labels that are the list itself; everything else is the request's plumbing.
LIST_LABELS = ("permissions (ModelBackend)", "staff profile", "list: COUNT", "list: page")
TRANSACTION = "BEGIN/COMMIT (atomic; time to 1 ms)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def captured_queries() -> Any:
    """django.test.utils.CaptureQueriesContext on an emptied query log: the log is a deque of
    9,000 entries, and once it is full CaptureQueriesContext sees nothing (it slices by length)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    return CaptureQueriesContext(connection)


# --- Which caller sent a statement ---------------------------------------------------------------

# (path fragment, function or None, label): identity look-ups first, whoever asks for them.
IDENTITY: tuple[tuple[str, str | None, str], ...] = (
    ("django/contrib/sessions/", None, "session"),
    ("django/contrib/auth/backends.py", "get_user", "user (AuthenticationMiddleware)"),
    ("tests/bench/staff_whatif.py", "get_user_with_profile", "user (AuthenticationMiddleware)"),
    ("django/contrib/auth/backends.py", None, "permissions (ModelBackend)"),
    ("tests/bench/staff_whatif.py", "all_permissions_one_query", "permissions (ModelBackend)"),
)
CALLERS: tuple[tuple[str, str | None, str], ...] = (
    ("allauth/usersessions/", None, "usersessions (activity tracking)"),
    ("rbac/audit.py", None, "audit log INSERT"),
    ("rbac/policy.py", None, "security policy"),
    ("cabinet/selectors.py", None, "branding"),
    ("tenants/activity.py", None, "tenant activity"),
    ("guardian/", None, "guardian"),
)
# Frames that only pass a call along: the ORM, lazy objects, the bench's own drivers.
PASS_THROUGH = (
    "/django/db/",
    "/django/utils/functional.py",
    "/tests/bench/staff.py",
    "/tests/bench/staff_measure.py",
)


def attribute(sql: str, frames: Sequence[traceback.FrameSummary]) -> str:
    """A label for one statement, from the innermost frame that is not a pass-through."""
    if sql.lstrip().upper().startswith("SET SEARCH_PATH"):
        return "SET search_path"
    for frame in reversed(frames):
        path = frame.filename.replace(os.sep, "/")
        if any(part in path for part in PASS_THROUGH):
            continue
        for fragment, function, label in IDENTITY:
            if fragment in path and (function is None or frame.name == function):
                return label
        if path.endswith("django/core/paginator.py"):
            return "list: COUNT" if "COUNT(" in sql.upper() else "list: page"
        if 'FROM "rbac_staffprofile"' in sql:
            return "staff profile"
        for fragment, function, label in CALLERS:
            if fragment in path and (function is None or frame.name == function):
                return label
        return f"other ({Path(path).name}:{frame.name})"
    return "other"


class Attribution:
    """An execute wrapper: counts and times statements by caller. Django's cursor wrappers do not
    see BEGIN/COMMIT (the debug log does): `add_transaction_statements` accounts for them."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.seconds: dict[str, float] = defaultdict(float)
        self.statements = 0

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        label = attribute(sql, traceback.extract_stack())
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[label] += time.perf_counter() - started
            self.count[label] += 1
            self.statements += 1

    def add_transaction_statements(self, captured: list[dict[str, str]]) -> None:
        extra = [q for q in captured if q["sql"].strip().upper() in ("BEGIN", "COMMIT")]
        if not extra:
            return
        self.count[TRANSACTION] += len(extra)
        self.seconds[TRANSACTION] += sum(float(q["time"]) for q in extra)


@dataclass
class Series:
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    label_seconds: dict[str, float] = field(default_factory=dict)
    pings: int = 0
    rows: int = 0
    total: int = 0
    reps: int = 0

    @property
    def p50(self) -> float:
        return quantile(self.seconds, 0.5)

    @property
    def p95(self) -> float:
        return quantile(self.seconds, 0.95)

    @property
    def query_range(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}-{high}"

    def row(self, name: str, width: int = 34) -> str:
        return (
            f"  {name:<{width}} {self.query_range:>7} {ms(self.p50):>8} {ms(self.p95):>8} "
            f"{ms(max(self.seconds)):>8} {self.rows:>5} {self.total:>7}"
        )

    def per_request(self, label: str) -> tuple[float, float]:
        """(statements, milliseconds) of one label, averaged over the attribution requests."""
        return self.labels[label] / ATTRIBUTION_REPS, self.label_seconds.get(
            label, 0.0
        ) * 1000 / ATTRIBUTION_REPS


def table_header(width: int = 34) -> str:
    return (
        f"  {'':<{width}} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'rows':>5} {'count':>7}"
    )


# --- (1) The list's data, in-process ---------------------------------------------------------


def fresh_user(pk: int) -> Any:
    """As AuthenticationMiddleware loads request.user (ModelBackend.get_user): a new object, so
    its permission caches and staff_profile are cold, as in every request."""
    from rbac.models import User

    return User.objects.get(pk=pk)


def list_data(user: Any) -> tuple[int, int]:
    """What cabinet.staff.clients.client_list does for its data, without the audit entry and the
    template: clients_for (its has_perm look-ups included), the Paginator's COUNT and page, and
    the masked rows (lists are masked for everyone). Returns (rows on the page, count)."""
    from django.core.paginator import Paginator

    from cabinet.accounts.masking import client_view
    from cabinet.staff import selectors

    page = Paginator(selectors.clients_for(user), PAGE_SIZE).get_page(1)
    rows = [client_view(client, can_see_personal=False) for client in page]
    return len(rows), page.paginator.count


def measure_selector(pk: int, reps: int, load: Callable[[int], Any] = fresh_user) -> Series:
    """Warm (WARMUP runs first), `reps` runs timed one by one, each with a freshly loaded user
    (the load is outside the timing and the query count); then ATTRIBUTION_REPS runs with every
    statement attributed to its caller and timed (apart, the stack walk costs time)."""
    from django.db import connection

    series = Series(reps=reps)
    for _ in range(WARMUP):
        list_data(load(pk))
    for _ in range(reps):
        user = load(pk)
        with captured_queries() as captured:
            started = time.perf_counter()
            series.rows, series.total = list_data(user)
            series.seconds.append(time.perf_counter() - started)
        if not captured.captured_queries:
            raise BenchError("no statement captured: the measurement would be wrong")
        series.queries.append(len(captured.captured_queries))
    attribution = Attribution()
    for _ in range(ATTRIBUTION_REPS):
        user = load(pk)
        with connection.execute_wrapper(attribution):
            list_data(user)
    series.labels, series.label_seconds = attribution.count, dict(attribution.seconds)
    return series


def list_statements(pk: int, load: Callable[[int], Any] = fresh_user) -> list[str]:
    """The statements of one list_data run, verbatim as sent (psycopg's mogrify)."""

    user = load(pk)
    with captured_queries() as captured:
        list_data(user)
    return [query["sql"] for query in captured.captured_queries]


def visible_ids(pk: int, load: Callable[[int], Any] = fresh_user) -> tuple[list[int], set[int]]:
    """(the first page's ids in order, every visible id): what a variant must leave unchanged."""
    from cabinet.staff import selectors

    queryset = selectors.clients_for(load(pk))
    return (
        list(queryset.values_list("pk", flat=True)[:PAGE_SIZE]),
        set(queryset.values_list("pk", flat=True)),
    )


def explain(statement: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
        return [line for (line,) in cursor.fetchall()]


def execution_ms(plan: list[str]) -> str:
    return next((line.split(":", 1)[1].strip() for line in plan if "Execution Time" in line), "?")


# --- (2) The whole request through the WSGI handler ----------------------------------------------


class PingCounter:
    """Wraps connection.is_usable, which CONN_HEALTH_CHECKS calls once per request that queries
    (a `SELECT 1` on a raw cursor: CaptureQueriesContext does not see it)."""

    def __init__(self, is_usable: Callable[[], bool]) -> None:
        self.is_usable = is_usable
        self.count = 0

    def __call__(self) -> bool:
        self.count += 1
        return self.is_usable()


def signed_in_cookie(tenant: Any, pk: int) -> str:
    """A session in the tenant's schema as a password sign-in leaves it (user id, backend, the
    password hash's HMAC), as a Cookie header value."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        user = fresh_user(pk)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = MODEL_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wsgi_get(handler: Any, path: str, cookie: str) -> tuple[str, bytes]:
    """One GET through the WSGI handler, request_finished included (as a server sends it)."""
    from tests.bench.inprocess import wsgi_environ

    environ = wsgi_environ(path)
    environ.update(HTTP_HOST=HOST, HTTP_COOKIE=cookie, HTTP_USER_AGENT="bench-staff/1.0")
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)

    result = handler(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (statuses[0] if statuses else "no status"), body


def measure_view(handler: Any, cookie: str, reps: int, pings: PingCounter) -> Series:
    from django.db import connection

    def get() -> bytes:
        status, body = wsgi_get(handler, LIST_PATH, cookie)
        if not status.startswith("200"):
            raise BenchError(f"GET {LIST_PATH} on {HOST}: {status} {body[:300]!r}")
        return body

    series = Series(reps=reps)
    for _ in range(WARMUP):
        get()
    pings.count = 0
    for _ in range(reps):
        with captured_queries() as captured:
            started = time.perf_counter()
            body = get()
            series.seconds.append(time.perf_counter() - started)
        if not captured.captured_queries:
            raise BenchError("no statement captured: the measurement would be wrong")
        series.queries.append(len(captured.captured_queries))
    series.pings = pings.count
    series.rows = body.count(b"client-row")
    shown = re.search(rb'<small class="muted">(\d+)</small>', body)  # the heading's count
    series.total = int(shown.group(1)) if shown else -1
    attribution = Attribution()
    for _ in range(ATTRIBUTION_REPS):
        with connection.execute_wrapper(attribution), captured_queries() as cap:
            get()
        attribution.add_transaction_statements(cap.captured_queries)
    series.labels, series.label_seconds = attribution.count, dict(attribution.seconds)
    return series
