"""Migration-runner benchmark: a no-op pass over many tenant schemas, ours vs stock.

    .venv/bin/python -m tests.bench.migrations [--schemas 1000] [--subset 100] [--clone]

In a scratch database, `kabinet_bench_migrations` (made afresh, dropped at the end), the shared
migrations and `platform_setup` run, then N tenant schemas are made up to date and given Tenant
rows. Then, each as its own `manage.py` process (start-up included, as an operator sees it):

- ours:  `manage.py migrate_tenants` (template check included), twice;
- stock: django-tenants' `manage.py migrate_schemas --tenant -v 0`.

Both first over a subset of the schemas (only that many Tenant rows exist yet), then over all N.
Stock over all N runs only when the subset says it fits the time budget; otherwise its time is
extrapolated from the subset, and the report says so.

Schemas are lightweight by default: each holds copies (structure and rows) of the template's
`django_migrations`, `django_content_type` and `auth_permission` tables — everything a no-op pass
reads, ours (django_migrations) or stock's (that, plus the content types and permissions its
post-migrate handlers check). Stock costs about the same per schema on a full clone (measured here:
50-56 ms either way), while 1,000 full clones take three to four minutes to make; `--clone` makes
them with django-tenants' clone_schema anyway.

Database server: DATABASE_URL's when set; else 127.0.0.1:5432 when something listens there; else
the embedded PostgreSQL of `make run` (config.devstack). A run over 1,000 schemas takes about 1.5
minutes here, most of it stock's pass.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environ
import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
LOCALHOST = "127.0.0.1"
BENCH_DATABASE = "kabinet_bench_migrations"
TEMPLATE_SCHEMA = "tpl_base"
SCHEMA_PREFIX = "bench_"
# What a no-op pass reads in a tenant schema (ours: the first; stock: all three).
LIGHT_TABLES = ("django_migrations", "django_content_type", "auth_permission")
SCHEMAS_PER_TRANSACTION = 50
STEP_TIMEOUT_SECONDS = 600
# Stock over all N runs only when the subset predicts it ends within this.
STOCK_FULL_BUDGET_SECONDS = 150.0
# The goal: a no-op pass over 1,000 schemas within 15 s.
GOAL_SECONDS_PER_1000 = 15.0

_SUMMARY_RE = re.compile(
    r"(\d+) tenant schema\(s\) in ([\d.]+) s: (\d+) up to date, (\d+) migrated"
)


class BenchError(RuntimeError):
    pass


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- Database -----------------------------------------------------------------------------------


def port_is_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def with_database_name(url: str, name: str) -> str:
    """The same server, another database: the last path segment names it (socket URLs carry
    the socket directory before it)."""
    head, _sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        if port_is_open(LOCALHOST, 5432):
            url = f"postgres://postgres@{LOCALHOST}:5432/postgres"
        else:
            from config.devstack import start_embedded_postgres

            url = start_embedded_postgres()
    return with_database_name(url, BENCH_DATABASE)


def connect(url: str, *, dbname: str | None = None) -> psycopg.Connection[Any]:
    config = environ.Env.db_url_config(url)
    params = {
        "host": config["HOST"] or None,
        "port": config.get("OPTIONS", {}).get("port") or config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": dbname or config["NAME"],
    }
    return psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v})


def recreate_database(url: str) -> None:
    with connect(url, dbname="postgres") as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(BENCH_DATABASE)
            )
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))


def drop_database(url: str) -> None:
    with connect(url, dbname="postgres") as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(BENCH_DATABASE)
            )
        )


@contextmanager
def scratch_database(url: str) -> Iterator[None]:
    recreate_database(url)
    try:
        yield
    finally:
        drop_database(url)
        say(f"scratch database {BENCH_DATABASE} dropped")


def schema_name(index: int) -> str:
    return f"{SCHEMA_PREFIX}{index:05d}"


def create_schemas(url: str, *, count: int, clone: bool) -> None:
    """`count` up-to-date tenant schemas, copied from the template (see the module's doc)."""
    template = sql.Identifier(TEMPLATE_SCHEMA)
    with connect(url) as conn:
        conn.execute("SET synchronous_commit TO off")  # a scratch database: no need to wait
        for start in range(0, count, SCHEMAS_PER_TRANSACTION):
            with conn.transaction():
                for index in range(start, min(count, start + SCHEMAS_PER_TRANSACTION)):
                    name = schema_name(index)
                    if clone:
                        conn.execute("SELECT clone_schema(%s, %s, 'DATA')", [TEMPLATE_SCHEMA, name])
                        continue
                    target = sql.Identifier(name)
                    statements = [sql.SQL("CREATE SCHEMA {}").format(target)]
                    for table in LIGHT_TABLES:
                        parts = {"s": target, "t": template, "table": sql.Identifier(table)}
                        statements += [
                            sql.SQL(
                                "CREATE TABLE {s}.{table} (LIKE {t}.{table} INCLUDING ALL)"
                            ).format(**parts),
                            sql.SQL(
                                "INSERT INTO {s}.{table} OVERRIDING SYSTEM VALUE"
                                " SELECT * FROM {t}.{table}"
                            ).format(**parts),
                        ]
                    conn.execute(sql.SQL("; ").join(statements))


def add_tenant_rows(url: str, *, start: int, stop: int) -> None:
    """Tenant rows for schemas [start, stop): the rows both runners iterate."""
    with connect(url) as conn:
        conn.execute(
            "INSERT INTO public.tenants_tenant (schema_name, slug, name, vertical, status,"
            " default_language, owner_email, created_at, status_changed_at)"
            " SELECT %(prefix)s || lpad(i::text, 5, '0'), 'bench-' || lpad(i::text, 5, '0'),"
            " 'Bench ' || i, 'hotel', 'active', 'en', '', now(), now()"
            " FROM generate_series(%(start)s, %(stop)s - 1) AS i",
            {"prefix": SCHEMA_PREFIX, "start": start, "stop": stop},
        )


# --- Running manage.py --------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_mb: float
    output: str


def bench_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SENTRY_DSN", None)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        KABINET_DATA_DIR=str(data_dir),
        TENANT_POOL_SIZE="0",  # no spares: only tenant and template schemas
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> Run:
    """Run `manage.py args` to the end; its wall time, peak memory and output."""
    with tempfile.TemporaryFile() as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, stdout=log, stderr=log
        )
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode(errors="replace")
    if process.returncode:
        raise BenchError(f"manage.py {' '.join(args)} exited {process.returncode}:\n{output}")
    return Run(seconds=seconds, max_rss_mb=usage.ru_maxrss / 1024, output=output)


def step(env: dict[str, str], *args: str) -> None:
    run = manage(env, *args)
    say(f"  manage.py {' '.join(args)}: {run.seconds:.1f} s")


def ours(env: dict[str, str], *, expected: int) -> Run:
    run = manage(env, "migrate_tenants")
    match = _SUMMARY_RE.search(run.output)
    if not match or int(match[1]) != expected or int(match[3]) != expected or int(match[4]):
        raise BenchError(f"migrate_tenants did not skip all {expected} schemas:\n{run.output}")
    return run


def stock(env: dict[str, str]) -> Run:
    return manage(env, "migrate_schemas", "--tenant", "-v", "0")


# --- The benchmark ------------------------------------------------------------------------------


def report_ours(label: str, runs: Sequence[Run]) -> float:
    best = min(run.seconds for run in runs)
    times = ", ".join(f"{run.seconds:.2f} s" for run in runs)
    rss = max(run.max_rss_mb for run in runs)
    say(f"  ours  over {label}: best {best:.2f} s ({times}); peak memory {rss:.0f} MB")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", type=int, default=1000, help="tenant schemas (default 1000)")
    parser.add_argument("--subset", type=int, default=100, help="first comparison (default 100)")
    parser.add_argument("--clone", action="store_true", help="full clones (slow: ~0.2 s each)")
    options = parser.parse_args(argv)
    total, subset = max(1, options.schemas), max(1, min(options.subset, options.schemas))

    began = time.monotonic()
    url = bench_database_url()
    data_dir = Path(tempfile.mkdtemp(prefix="kabinet-bench-migrations-"))
    env = bench_env(url, data_dir)
    say(f"database {BENCH_DATABASE} on {environ.Env.db_url_config(url)['HOST'] or 'socket'}")
    try:
        with scratch_database(url):
            say("setting up")
            step(env, "migrate_schemas", "--shared", "-v", "0")
            step(env, "platform_setup")
            started = time.monotonic()
            create_schemas(url, count=total, clone=options.clone)
            kind = "full clones" if options.clone else "lightweight"
            say(f"  {total} tenant schemas ({kind}): {time.monotonic() - started:.1f} s")

            say(f"no-op pass over {subset} schemas")
            add_tenant_rows(url, start=0, stop=subset)
            ours_subset = report_ours(f"{subset}", [ours(env, expected=subset) for _ in range(2)])
            stock_subset = stock(env).seconds
            say(f"  stock over {subset}: {stock_subset:.2f} s")

            say(f"no-op pass over {total} schemas")
            add_tenant_rows(url, start=subset, stop=total)
            ours_full = report_ours(f"{total}", [ours(env, expected=total) for _ in range(2)])
            predicted = stock_subset * total / subset
            if total == subset:
                stock_full, measured = stock_subset, True
            elif predicted <= STOCK_FULL_BUDGET_SECONDS:
                stock_full, measured = stock(env).seconds, True
                say(f"  stock over {total}: {stock_full:.2f} s")
            else:
                stock_full, measured = predicted, False
                say(
                    f"  stock over {total}: not run; extrapolated from {subset} schemas: "
                    f"{stock_full:.0f} s"
                )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    say()
    say(f"{'':>22} {'ours':>9} {'stock':>9} {'stock/ours':>11}")
    rows = [(subset, ours_subset, stock_subset, True), (total, ours_full, stock_full, measured)]
    for count, ours_seconds, stock_seconds, stock_measured in rows:
        note = "" if stock_measured else "  (stock extrapolated)"
        say(
            f"{f'{count} schemas':>22} {ours_seconds:>8.2f}s {stock_seconds:>8.2f}s "
            f"{stock_seconds / ours_seconds:>10.1f}x{note}"
        )
    met = ours_full <= GOAL_SECONDS_PER_1000
    if total >= 1000:
        verdict = "met" if met else "NOT met"
        say(f"goal: no-op pass over {total} schemas <= {GOAL_SECONDS_PER_1000:.0f} s: {verdict}")
    say(f"whole run: {time.monotonic() - began:.0f} s")
    return 0 if met or total < 1000 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        say(f"benchmark failed: {exc}")
        sys.exit(2)
