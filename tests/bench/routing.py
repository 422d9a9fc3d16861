"""Routing benchmark: what host -> tenant resolution costs per request, in one server and one run.

    make bench-routing        (= .venv/bin/python -m tests.bench.routing)

One gunicorn (2 sync workers) serves one trivial view, which touches no database, three ways
(tests.bench.dispatch): through our TenantRoutingMiddleware (`/bench/ours/`), through
django-tenants' stock TenantMainMiddleware (`/bench/stock/`) and with no tenancy middleware at all
(`/bench/bare/`). wrk drives each in turn, interleaved over two rounds, with `Host:
bench.localhost`; the best round of each is reported. Queries per request are counted in-process
by tests.bench.inprocess under the same settings.

Database: DATABASE_URL when set; else `kabinet_bench`, dropped and created afresh, on
127.0.0.1:5432 when something listens there, else on the embedded PostgreSQL of `make run`
(config.devstack).
Only 127.0.0.1 is ever contacted. The whole run takes about 65 seconds.
"""

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from tests.bench.harness import (
    BASE_DIR,
    BenchError,
    bench_env,
    database_name,
    ensure_database,
    exit_cleanly_on_sigterm,
    get,
    gunicorn,
    recreate_database,
    run_step,
    say,
    server_url,
    tail,
)
from tests.bench.loadgen import LoadResult, ensure_wrk, run_python_load, run_wrk
from tests.bench.variants import BARE_PREFIX, BENCH_HOST, RESPONSE_BODY, VARIANTS

BENCH_DATABASE = "kabinet_bench"
# The bench server's file cache and media stay apart from `make run`'s.
BENCH_DATA_DIR = BASE_DIR / ".data" / "bench"
BENCH_SETTINGS = "tests.bench.settings"

ROUNDS = 2
WARMUP_SECONDS = 2.0
MEASURE_SECONDS = 8.0
LOAD_THREADS = 2
LOAD_CONNECTIONS = 16
WORKERS = 2

# The goal: ours at least 0.9x bare, and about 3.5x stock (within 10 % counts as met).
GOAL_VS_BARE = 0.90
GOAL_VS_STOCK = 3.5
GOAL_VS_STOCK_TOLERANCE = 0.10


# --- Database and Django-side setup --------------------------------------------------------------


def bench_database_url() -> str:
    """DATABASE_URL's database as it is; else the bench's own database, created afresh, so a
    database left by older code (a migration since edited, say) cannot fail the run."""
    if os.environ.get("DATABASE_URL"):
        url = server_url(BENCH_DATABASE, honour_database_url_name=True)
        ensure_database(url)
    else:
        url = server_url(BENCH_DATABASE)
        recreate_database(url)
    return url


def prepare(env: dict[str, str], workdir: Path) -> dict[str, Any]:
    run_step(env, "manage.py", "migrate_schemas", "--shared", "-v", "0")
    run_step(env, "manage.py", "platform_setup")
    result_file = workdir / "queries.json"
    run_step(env, "-m", "tests.bench.inprocess", str(result_file))
    return json.loads(result_file.read_text())


# --- The server ----------------------------------------------------------------------------------


def check_variants_answer(port: int) -> None:
    """Each path must reach the view: a fast 404 or error page would make a meaningless number.
    Both workers are asked (a sync worker serves one connection at a time, so repeat)."""
    for path in VARIANTS.values():
        for _ in range(WORKERS * 4):
            status, body = get(port, path, BENCH_HOST)
            if status != 200 or body != RESPONSE_BODY:
                raise BenchError(f"GET {path} on {BENCH_HOST} answered {status} {body[:300]!r}")


# --- Load ---------------------------------------------------------------------------------------


class LoadRunner(Protocol):
    def __call__(
        self, *, port: int, path: str, host: str, seconds: float, threads: int, connections: int
    ) -> LoadResult: ...


def load_runner() -> tuple[str, LoadRunner]:
    wrk = ensure_wrk()
    if wrk is None:
        return "Python threads + http.client (wrk unavailable)", run_python_load
    return f"wrk ({wrk})", partial(run_wrk, wrk)


def measure(run: LoadRunner, port: int) -> dict[str, list[LoadResult]]:
    results: dict[str, list[LoadResult]] = {name: [] for name in VARIANTS}
    load = partial(
        run, port=port, host=BENCH_HOST, threads=LOAD_THREADS, connections=LOAD_CONNECTIONS
    )
    for round_number in range(1, ROUNDS + 1):
        for name, path in VARIANTS.items():
            load(path=path, seconds=WARMUP_SECONDS)
            result = load(path=path, seconds=MEASURE_SECONDS)
            results[name].append(result)
            errors = f", {result.error_detail}" if result.errors else ""
            say(
                f"  round {round_number} {name:<5} {result.requests_per_second:9.0f} req/s"
                f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
                f"  ({result.requests} requests{errors})"
            )
    return results


# --- Report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    load: LoadResult
    errors: int  # over every measured run of the variant
    queries: float
    set_search_path: float
    health_pings: float


def report(rows: list[Row], cold_ours: dict[str, float]) -> bool:
    header = (
        f"{'variant':<8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'queries/req':>13}{'SET search_path/req':>21}{'health ping/req':>17}"
    )
    say(header)
    say("-" * len(header))
    for row in rows:
        say(
            f"{row.name:<8}{row.load.requests_per_second:>10.0f}{row.load.p50_ms:>9.2f}"
            f"{row.load.p99_ms:>9.2f}{row.errors:>8}{row.queries:>13.2f}{row.set_search_path:>21.2f}"
            f"{row.health_pings:>17.2f}"
        )
    say()
    say(
        "health ping = CONN_HEALTH_CHECKS' `SELECT 1` on a raw cursor before a request's first "
        "query; not in queries/req."
    )
    say(
        f"ours, first request in a process (cold host cache): {cold_ours['queries']:.0f} queries, "
        f"{cold_ours['set_search_path']:.0f} SET search_path"
    )
    rps = {row.name: row.load.requests_per_second for row in rows}
    vs_bare = rps["ours"] / rps["bare"]
    stock_vs_bare = rps["stock"] / rps["bare"]
    vs_stock = rps["ours"] / rps["stock"]
    say()
    say(f"ours/bare  = {vs_bare:.2f}x")
    say(f"stock/bare = {stock_vs_bare:.2f}x")
    say(f"ours/stock = {vs_stock:.2f}x")
    say()
    bare_met = vs_bare >= GOAL_VS_BARE
    stock_floor = GOAL_VS_STOCK * (1 - GOAL_VS_STOCK_TOLERANCE)
    stock_met = vs_stock >= stock_floor
    say(
        f"goal ours >= {GOAL_VS_BARE:.2f}x bare: {'met' if bare_met else 'NOT met'} "
        f"({vs_bare:.2f}x)"
    )
    say(
        f"goal ours ~ {GOAL_VS_STOCK:.1f}x stock (>= {stock_floor:.2f}x counts): "
        f"{'met' if stock_met else 'NOT met'} ({vs_stock:.2f}x)"
    )
    goal_met = bare_met and stock_met
    say(f"GOAL {'MET' if goal_met else 'NOT MET'}")
    return goal_met


def best(results: list[LoadResult]) -> LoadResult:
    return max(results, key=lambda result: result.requests_per_second)


def main() -> int:
    exit_cleanly_on_sigterm()
    started = time.monotonic()
    say("routing benchmark: setup")
    database_url = bench_database_url()
    say(f"  database {database_name(database_url)}")
    env = bench_env(database_url, settings_module=BENCH_SETTINGS, data_dir=BENCH_DATA_DIR)
    generator, run = load_runner()
    with tempfile.TemporaryDirectory(prefix="kabinet-bench-") as workdir:
        counts = prepare(env, Path(workdir))
        say(
            f"load: {generator}, {LOAD_THREADS} threads, {LOAD_CONNECTIONS} connections, "
            f"{WARMUP_SECONDS:g} s warm-up + {MEASURE_SECONDS:g} s measured per variant, "
            f"{ROUNDS} interleaved rounds; gunicorn {WORKERS} sync workers; "
            f"{os.cpu_count()} CPUs shared by load generator, server and PostgreSQL"
        )
        load_average, cpus = os.getloadavg()[0], os.cpu_count() or 1
        say(f"1-minute load average before the run: {load_average:.2f}")
        if load_average > cpus / 2:
            say("  WARNING: the machine is busy; the numbers below will be noisy")
        server_log = Path(workdir) / "gunicorn.log"
        with gunicorn(
            env, server_log, probe_path=BARE_PREFIX, probe_host=BENCH_HOST, workers=WORKERS
        ) as port:
            check_variants_answer(port)
            results = measure(run, port)
        server_log_tail = tail(server_log)
    steady = counts["steady"]
    rows = [
        Row(
            name=name,
            load=best(results[name]),
            errors=sum(result.errors for result in results[name]),
            queries=steady[name]["queries"],
            set_search_path=steady[name]["set_search_path"],
            health_pings=steady[name]["health_pings"],
        )
        for name in VARIANTS
    ]
    say()
    say(f"best of {ROUNDS} rounds per variant; queries counted in-process (steady state)")
    say()
    report(rows, counts["cold_ours"])
    say()
    say(f"total time {time.monotonic() - started:.0f} s")
    if any(row.errors for row in rows):
        say()
        say("WARNING: requests failed under load (see the rounds above); the numbers are suspect.")
        if server_log_tail:
            say("gunicorn's log:")
            say(server_log_tail)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.stderr.write(f"routing benchmark failed: {error}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("routing benchmark interrupted\n")
        sys.exit(130)
