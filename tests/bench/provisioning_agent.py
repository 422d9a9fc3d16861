"""The Django side of the provisioning benchmark: one long-lived process per schema variant, run
by tests.bench.provisioning under that variant's settings and database, told what to do one JSON
line at a time on stdin and answering one JSON line each on stdout:

    {"op": "setup"}                                  migrate_schemas --shared, platform_setup
    {"op": "tables", "vertical": "hotel"}            tables per schema (information_schema)
    {"op": "steps", "vertical": ..., "reps": {...}}  the schema step of each mode, timed
    {"op": "clone_leak", "vertical": ..., "cycles": n}  clones in a row on one connection
    {"op": "pool_fill", "vertical": ..., "size": n}  pool_refill, synchronously
    {"op": "pool_drain"}                             drop every spare
    {"op": "provisioned", "slug_prefix": ...}        how those tenants got their schema
    {"op": "profile", "vertical": ..., "signups": n} where an in-process signup's time goes

Answers are {"ok": true, "result": ...} or {"ok": false, "error": "..."}. Whatever else writes to
stdout (a management command, a stray print) is sent to stderr, which the driver logs to a file.
"""

import io
import json
import os
import secrets
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, redirect_stdout
from typing import Any, TextIO

import django

Json = dict[str, Any]

SIGNUP_PATH = "/api/v1/signup/"
PLATFORM_HOST = "localhost"


# --- Setup and table counts ---------------------------------------------------------------------


def op_setup(_request: Json) -> Json:
    from django.core.management import call_command

    timings = {}
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    timings["migrate_schemas --shared"] = time.perf_counter() - started
    started = time.perf_counter()
    output = io.StringIO()
    call_command("platform_setup", stdout=output)
    timings["platform_setup"] = time.perf_counter() - started
    return {"seconds": timings, "platform_setup": output.getvalue().strip().splitlines()}


def table_count(schema_name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema_name],
        )
        return cursor.fetchone()[0]


def op_tables(request: Json) -> Json:
    from tenants.schema_templates import template_schema_name

    base, vertical = template_schema_name(), template_schema_name(request["vertical"])
    return {name: table_count(name) for name in ("public", base, vertical)}


# --- The schema step of each mode ---------------------------------------------------------------


class Timer:
    """Sums the wall time spent in wrapped callables, by label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


@contextmanager
def patched(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    """Replace an attribute for the block; an inherited one (a method defined on a base class,
    a Signal's class-level method) is deleted again, not left behind as a copy."""
    own = name in vars(owner)
    original = vars(owner)[name] if own else None
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        if own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def timing(stack: ExitStack, timer: "Timer", targets: dict[str, tuple[Any, str]]) -> None:
    """Wrap each (owner, attribute) in `targets` with `timer` until `stack` closes."""
    for label, (owner, name) in targets.items():
        stack.enter_context(patched(owner, name, timer.wrap(label, getattr(owner, name))))


class Refiller:
    """pool_refill on a thread of its own, hence on database connections of its own, as the
    Celery worker that refills the pool in production: the connections that are timed never
    clone (see op_clone_leak for why that matters)."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refill")

    def refill(self, vertical: str, size: int) -> int:
        return self._executor.submit(self._refill, vertical, size).result()

    @staticmethod
    def _refill(vertical: str, size: int) -> int:
        from django.db import connection

        from tenants.pool import pool_refill

        try:
            reports = pool_refill(vertical=vertical, size=size)
            if not reports:  # pool_refill skips a vertical another process is refilling
                raise RuntimeError(f"pool_refill did not refill {vertical}: it is locked")
            return reports[0].ready
        finally:
            # A connection that clones gets slower with every clone (op_clone_leak): start each
            # refill afresh, or the refills alone would stretch the run by a minute.
            connection.close()

    def close(self) -> None:
        from django.db import connections

        self._executor.submit(connections.close_all).result()
        self._executor.shutdown()


refiller = Refiller()


def fresh_connection() -> None:
    """A new database connection (a new server backend) that has done nothing yet but connect."""
    from django.db import connection

    connection.close()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def timed_step(step: Callable[[str], None], name: str) -> tuple[float, float]:
    """(step, commit) seconds: the step inside a transaction, then its commit. The schema is
    dropped afterwards, outside the timing."""
    from django.db import connection, transaction

    from tenants.schema_templates import drop_schema

    connection.set_schema_to_public()
    with transaction.atomic():
        started = time.perf_counter()
        step(name)
        step_seconds = time.perf_counter() - started
        commit_started = time.perf_counter()
    commit_seconds = time.perf_counter() - commit_started
    connection.set_schema_to_public()
    drop_schema(name)
    return step_seconds, commit_seconds


def rolled_back(step: Callable[[str], None], name: str) -> None:
    from django.db import connection, transaction

    connection.set_schema_to_public()
    with transaction.atomic():
        step(name)
        transaction.set_rollback(True)
    connection.set_schema_to_public()


def claim_step(vertical: str) -> Callable[[str], None]:
    from tenants.pool import spare_claim

    def step(name: str) -> None:
        if not spare_claim(vertical=vertical, new_schema_name=name):
            raise RuntimeError("the warm pool was empty")

    return step


def clone_step(vertical: str) -> Callable[[str], None]:
    from tenants.schema_templates import clone_template

    return lambda name: clone_template(name, vertical=vertical)


def migrate_step(_vertical: str) -> Callable[[str], None]:
    from tests.bench.stock_schema import create_schema_by_migrations

    return create_schema_by_migrations


STEPS: dict[str, Callable[[str], Callable[[str], None]]] = {
    "claim": claim_step,
    "clone": clone_step,
    "migrate": migrate_step,
}


def op_steps(request: Json) -> Json:
    """Each mode's schema step, `reps[mode]` times, each on a fresh connection: (a) claim a
    spare (the pool is refilled before each repetition and the connection warmed with one claim
    rolled back, both outside the timing), (b) clone the vertical's template, (c) CREATE SCHEMA
    + migrate_schemas. Also where a clone's time goes."""
    import django_tenants.clone

    import tenants.schema_templates

    vertical, reps = request["vertical"], request["reps"]
    results: Json = {}
    timer = Timer()
    clone_parts = {
        "migration_drift() check of the template": (tenants.schema_templates, "migration_drift"),
        "CREATE OR REPLACE FUNCTION clone_schema (every clone)": (
            django_tenants.clone.CloneSchema,
            "_create_clone_schema_function",
        ),
    }
    for mode, make_step in STEPS.items():
        step = make_step(vertical)
        samples: list[float] = []
        commits: list[float] = []
        timer.reset()
        with ExitStack() as stack:
            if mode == "clone":
                timing(stack, timer, clone_parts)
            for index in range(reps[mode]):
                if mode == "claim":
                    refiller.refill(vertical, 1)
                fresh_connection()
                if mode == "claim":
                    rolled_back(step, f"bench_{mode}_warm")
                step_seconds, commit_seconds = timed_step(step, f"bench_{mode}_{index}")
                samples.append(step_seconds)
                commits.append(commit_seconds)
        results[mode] = {
            "seconds": samples,
            "commit_seconds": commits,
            "parts": {label: seconds / reps[mode] for label, seconds in timer.seconds.items()},
        }
    # The schemas each mode creates must be alike: count the tables of one of each.
    refiller.refill(vertical, 1)
    results["tables"] = {
        mode: count_tables_of_step(make_step(vertical), f"bench_count_{mode}")
        for mode, make_step in STEPS.items()
    }
    fresh_connection()
    return results


def count_tables_of_step(step: Callable[[str], None], name: str) -> int:
    from django.db import connection, transaction

    connection.set_schema_to_public()
    with transaction.atomic():
        step(name)
        connection.set_schema_to_public()
        count = table_count(name)
        transaction.set_rollback(True)  # a claimed spare goes back to the pool
    return count


def op_clone_leak(request: Json) -> Json:
    """`cycles` clones (+ commit + DROP SCHEMA) in a row on one connection, timing each clone and
    the next statement sent (`SET search_path`): once as tenants.schema_templates does it
    (django-tenants re-creates its 170 kB plpgsql clone_schema function before every clone), and
    once with the function created only before the first clone."""
    import django_tenants.clone
    from django.db import connection

    vertical, cycles = request["vertical"], request["cycles"]
    step = clone_step(vertical)
    results: Json = {}
    create_function = django_tenants.clone.CloneSchema._create_clone_schema_function
    for variant in ("re-created every clone", "created once"):
        fresh_connection()
        clones: list[float] = []
        next_statement: list[float] = []
        with ExitStack() as stack:
            for index in range(cycles):
                if index == 1 and variant == "created once":
                    stack.enter_context(
                        patched(
                            django_tenants.clone.CloneSchema,
                            "_create_clone_schema_function",
                            lambda self: None,
                        )
                    )
                clones.append(timed_step(step, f"bench_leak_{index}")[0])
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute('SET search_path = "public"')
                next_statement.append(time.perf_counter() - started)
        results[variant] = {"clone": clones, "next_statement": next_statement}
    assert django_tenants.clone.CloneSchema._create_clone_schema_function is create_function
    fresh_connection()
    return results


# --- The pool -----------------------------------------------------------------------------------


def op_pool_fill(request: Json) -> Json:
    started = time.perf_counter()
    ready = refiller.refill(request["vertical"], request["size"])
    return {"ready": ready, "seconds": time.perf_counter() - started}


def op_pool_drain(_request: Json) -> Json:
    from django.db import connection, transaction

    from tenants.models import SpareSchema
    from tenants.schema_templates import drop_schema

    connection.set_schema_to_public()
    dropped = 0
    for spare in SpareSchema.objects.all():
        with transaction.atomic():
            drop_schema(spare.schema_name)
            spare.delete()
        dropped += 1
    return {"dropped": dropped, "left": SpareSchema.objects.count()}


def op_provisioned(request: Json) -> Json:
    """How the tenants whose slug starts with `slug_prefix` got their schema, by their
    PROVISIONED event: from the pool or not."""
    from tenants.models import TenantEvent

    events = TenantEvent.objects.filter(
        kind=TenantEvent.Kind.PROVISIONED, tenant__slug__startswith=request["slug_prefix"]
    )
    from_pool = [bool(event.detail.get("from_pool")) for event in events]
    return {"from_pool": sum(from_pool), "not_from_pool": len(from_pool) - sum(from_pool)}


# --- Where an in-process signup's time goes -----------------------------------------------------


def wsgi_post(path: str, body: bytes) -> Json:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": f"{PLATFORM_HOST}:8000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def signup_body(slug: str, vertical: str) -> bytes:
    return json.dumps(
        {
            "business_name": f"Bench {slug}",
            "slug": slug,
            "vertical": vertical,
            "owner_email": f"owner@{slug}.example.com",
            "password": secrets.token_urlsafe(16),
            # The serializer documents a default, but SignupForm requires it (see the report).
            "language": "en",
        }
    ).encode()


def wsgi_call(handler: Callable[..., Any], environ: Json) -> tuple[str, bytes]:
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)

    result = handler(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # sends request_finished, as a WSGI server does
    return statuses[0], body


def op_profile(request: Json) -> Json:
    """`signups` signups through Django's WSGI handler in this process, each with a full pool
    (refilled between them, outside the timing), with the time of each part summed by wrapping
    the functions that do it, and every SQL statement timed."""
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    import tenants.forms
    import tenants.services
    import tenants.signup

    vertical, signups, prefix = request["vertical"], request["signups"], request["slug_prefix"]
    wrapper = connections["default"]
    timer = Timer()
    sql = {"statements": 0, "seconds": 0.0}

    def sql_timer(execute: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            sql["statements"] += 1
            sql["seconds"] += time.perf_counter() - started

    wrapped = {
        "form validation (slug query, password validators)": (
            tenants.forms.SignupForm,
            "full_clean",
        ),
        "tenant_provision": (tenants.signup, "tenant_provision"),
        "  schema step: spare_claim": (tenants.services, "spare_claim"),
        "  schema step: clone_template": (tenants.services, "clone_template"),
        "  tenant_provisioned receivers (owner, audit, branding, events)": (
            tenants.services.tenant_provisioned,
            "send",
        ),
        "    Argon2 hash of the owner's password": (Argon2PasswordHasher, "encode"),
        "  COMMIT": (wrapper, "_commit"),
        "  on-commit hooks (routing version bump, pool refill enqueue)": (
            wrapper,
            "run_and_clear_commit_hooks",
        ),
        "hand-off token": (tenants.signup, "handoff_sign"),
    }
    handler = WSGIHandler()
    totals: list[float] = []
    parts = dict.fromkeys(wrapped, 0.0)
    sql_per_signup = {"statements": 0.0, "seconds": 0.0}
    # One unmeasured signup first: this process's first request loads URLconfs and templates.
    for index in range(signups + 1):
        refiller.refill(vertical, request["pool_size"])
        timer.reset()
        sql.update(statements=0, seconds=0.0)
        environ = wsgi_post(SIGNUP_PATH, signup_body(f"{prefix}-{index}", vertical))
        with ExitStack() as stack:
            timing(stack, timer, wrapped)
            stack.enter_context(wrapper.execute_wrapper(sql_timer))
            started = time.perf_counter()
            status, body = wsgi_call(handler, environ)
            elapsed = time.perf_counter() - started
        if not status.startswith("201"):
            raise RuntimeError(f"in-process signup answered {status}: {body[:300]!r}")
        if index == 0:
            continue
        totals.append(elapsed)
        for label in wrapped:
            parts[label] += timer.seconds.get(label, 0.0) / signups
        for key in sql_per_signup:
            sql_per_signup[key] += sql[key] / signups
    return {"totals": totals, "parts": parts, "sql": sql_per_signup}


# --- The loop -----------------------------------------------------------------------------------

OPERATIONS: dict[str, Callable[[Json], Json]] = {
    "setup": op_setup,
    "tables": op_tables,
    "steps": op_steps,
    "clone_leak": op_clone_leak,
    "pool_fill": op_pool_fill,
    "pool_drain": op_pool_drain,
    "provisioned": op_provisioned,
    "profile": op_profile,
}


def serve(requests: TextIO, answers: TextIO) -> None:
    for line in requests:
        request = json.loads(line)
        if request["op"] == "quit":
            return
        try:
            with redirect_stdout(sys.stderr):
                answer = {"ok": True, "result": OPERATIONS[request["op"]](request)}
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main() -> int:
    # The protocol keeps the real stdout; anything else written to fd 1 lands in stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    django.setup()
    try:
        serve(sys.stdin, answers)
    finally:
        refiller.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
