"""Load run: LOAD_USERS concurrent clients on cabinet pages and the API for LOAD_SECONDS.

    make load                 (= .venv/bin/python -m tests.load.run; 50 users, 300 s)
    LOAD_SECONDS=60 make load

Three cabinets (one per vertical) are provisioned in a scratch database with their demo
content; LOAD_USERS clients are spread over them, each signed in (a session cookie, and a DRF
token for the API). gunicorn (gthread: WEB_WORKERS processes × 4 threads, as in production)
serves them on 127.0.0.1. Each user walks, with no think time, through the pages a client uses
— home, services, events, orders, wallet, the vertical's own page — and the API (catalog,
orders, bookings, wallet), each starting at a different page. The first LOAD_WARMUP_SECONDS (15)
are not measured (cold workers, everyone arriving at once); errors count throughout. Printed:
requests/s (and per minute, to show any decline), p50/p99 over all and per endpoint (slowest
first), and errors (anything but 200, and socket errors). Exits 1 on any error.
"""

import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from tests.bench.harness import (
    LOCALHOST,
    BenchError,
    bench_env,
    drop_database,
    exit_cleanly_on_sigterm,
    gunicorn,
    recreate_database,
    run_step,
    say,
    server_url,
)

DATABASE = os.environ.get("LOAD_DATABASE", "kabinet_load")
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "300"))
# Unmeasured first seconds: workers import lazily and compile templates on their first requests,
# and all users arrive at once; what is reported is the steady state after that.
WARMUP = float(os.environ.get("LOAD_WARMUP_SECONDS", "15"))
BUCKET_SECONDS = 60
WEB_WORKERS = int(os.environ.get("LOAD_WEB_WORKERS", "3"))
# KABINET_POOLER=pgbouncer: the 3 × 4 threads share this many PostgreSQL backends.
POOLED_SERVER_CONNECTIONS = int(os.environ.get("PGBOUNCER_POOL_SIZE", "4"))
PAGES = {
    "hotel": ["/", "/services/", "/events/", "/orders/", "/wallet/", "/stay/", "/map/"],
    "shop": ["/", "/services/", "/events/", "/orders/", "/wallet/", "/returns/", "/addresses/"],
    "school": ["/", "/services/", "/events/", "/orders/", "/wallet/", "/children/"],
}
API = ["/api/v1/catalog/", "/api/v1/orders/", "/api/v1/bookings/", "/api/v1/wallet/"]


def prepare(env: dict[str, str]) -> list[dict[str, str]]:
    """The cabinets, and one signed-in person per load user: host, session cookie, token."""
    run_step(env, "manage.py", "migrate_schemas", "--shared", "-v", "0")
    run_step(env, "manage.py", "platform_setup")
    run_step(env, "manage.py", "seed_demo", "--published-passwords")
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    from cabinet.accounts.models import ClientProfile
    from rbac.services import client_create
    from tenants.models import Tenant

    people = []
    tenants = list(Tenant.objects.filter(slug__in=list(PAGES)).order_by("slug"))
    for n in range(USERS):
        tenant = tenants[n % len(tenants)]
        host = tenant.domains.get(is_primary=True).domain
        with tenant_context(tenant):
            user = client_create(email=f"load{n}@example.com", password="load-pass-123456",
                                 full_name=f"Load {n}", email_verified=True)  # fmt: skip
            ClientProfile.objects.create(user=user)
            browser = Client(HTTP_HOST=host)
            browser.force_login(user)
            token = Token.objects.create(user=user).key
            get_user_model()
        people.append({
            "host": host, "vertical": tenant.vertical, "token": token,
            "cookie": browser.cookies[settings.SESSION_COOKIE_NAME].value,
            "cookie_name": settings.SESSION_COOKIE_NAME,
        })  # fmt: skip
    from django.db import connections

    connections.close_all()
    return people


def hammer(
    port: int, people: list[dict[str, str]]
) -> tuple[dict[str, list[float]], list[str], list[int]]:
    """Latencies per path and errors after the warm-up, and requests per BUCKET_SECONDS."""
    measured_from = time.monotonic() + WARMUP
    deadline = measured_from + SECONDS
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    buckets = [0] * (int(SECONDS // BUCKET_SECONDS) + 1)
    lock = threading.Lock()

    def user(n: int, person: dict[str, str]) -> None:
        paths = [(p, False) for p in PAGES[person["vertical"]]] + [(p, True) for p in API]
        cookie = f"{person['cookie_name']}={person['cookie']}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n  # users start at different pages, as people do
        mine: dict[str, list[float]] = defaultdict(list)
        bad: list[str] = []
        done: list[float] = []
        while time.monotonic() < deadline:
            path, is_api = paths[i % len(paths)]
            i += 1
            headers = {"Host": person["host"]}
            headers.update({"Authorization": f"Token {person['token']}"} if is_api
                           else {"Cookie": cookie})  # fmt: skip
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                bad.append(f"{path}: {type(exc).__name__}")  # counted in the warm-up too
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if response.status != 200:
                bad.append(f"{path}: HTTP {response.status}")
            if time.monotonic() >= measured_from:
                mine[path].append(time.perf_counter() - started)
                done.append(time.monotonic() - measured_from)
        conn.close()
        with lock:
            for path, samples in mine.items():
                latencies[path].extend(samples)
            errors.extend(bad)
            for at in done:
                buckets[min(int(at // BUCKET_SECONDS), len(buckets) - 1)] += 1

    threads = [threading.Thread(target=user, args=(n, p)) for n, p in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, buckets


def ms(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] * 1000 if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] * 1000


METRICS_TOKEN = secrets.token_urlsafe(24)
HISTOGRAM = "kabinet_http_request_duration_seconds"


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics on the platform's host, as Prometheus would read it: each sample by name and
    labels (all gunicorn workers added up: PROMETHEUS_MULTIPROC_DIR)."""
    from prometheus_client.parser import text_string_to_metric_families

    conn = http.client.HTTPConnection(LOCALHOST, port, timeout=30)
    headers = {"Host": "localhost", "Authorization": f"Bearer {METRICS_TOKEN}"}
    conn.request("GET", "/metrics", headers=headers)
    response = conn.getresponse()
    body = response.read().decode()
    if response.status != 200:
        raise BenchError(f"/metrics answered {response.status}")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """Prometheus's histogram_quantile over cumulative (le, count) pairs, in seconds."""
    total = buckets[-1][1]
    if not total:
        return 0.0
    rank, lower, below = q * total, 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return lower
            return lower + (le - lower) * ((rank - below) / max(count - below, 1e-9))
        lower, below = le, count
    return lower


def say_metrics_moved(before: dict, after: dict) -> None:
    """What /metrics said before and after the run: requests counted, and each route's p50/p99
    from the histogram's buckets (what a Grafana panel draws)."""

    def by_route(samples: dict, suffix: str) -> dict:
        out: dict = defaultdict(float)
        for (name, labels), value in samples.items():
            if name == HISTOGRAM + suffix:
                out[dict(labels)["route"]] += value
        return out

    count_before, count_after = by_route(before, "_count"), by_route(after, "_count")
    say(f"  /metrics {HISTOGRAM}_count: {sum(count_before.values()):,.0f} before, "
        f"{sum(count_after.values()):,.0f} after")  # fmt: skip
    moved = sorted(count_after, key=lambda r: count_after[r] - count_before.get(r, 0), reverse=True)
    for route in moved[:8]:
        buckets: dict[float, float] = defaultdict(float)
        for (name, labels), value in after.items():
            label = dict(labels)
            if name == HISTOGRAM + "_bucket" and label["route"] == route:
                buckets[float(label["le"])] += value - before.get((name, labels), 0.0)
        pairs = sorted(buckets.items())
        p50, p99 = quantile(pairs, 0.5) * 1000, quantile(pairs, 0.99) * 1000
        say(f"    {route:<34} +{count_after[route] - count_before.get(route, 0):>7,.0f}  "
            f"p50 {p50:>6.0f} ms  p99 {p99:>6.0f} ms")  # fmt: skip


def main() -> int:
    exit_cleanly_on_sigterm()
    url = server_url(DATABASE)
    with tempfile.TemporaryDirectory(prefix="kabinet-load-") as data_dir:
        env = bench_env(url, settings_module="config.settings", data_dir=Path(data_dir),
                        TENANT_POOL_SIZE="0", DEBUG="false", STRIPE_API_KEY="",
                        METRICS_TOKEN=METRICS_TOKEN, LOG_LEVEL="WARNING",
                        PROMETHEUS_MULTIPROC_DIR=str(Path(data_dir) / "metrics"))  # fmt: skip
        (Path(data_dir) / "metrics").mkdir()
        say(f"load run: {USERS} users for {SECONDS:.0f} s, {os.cpu_count()} CPUs "
            f"(server, database and load generator share them)")  # fmt: skip
        recreate_database(url)
        try:
            started = time.monotonic()
            people = prepare(env)
            say(f"  {len(people)} signed-in users on 3 cabinets, ready in "
                f"{time.monotonic() - started:.0f} s")  # fmt: skip
            log = Path(data_dir) / "gunicorn.log"
            args = ["--worker-class", "gthread", "--threads", "4"]
            pooler = None
            if os.environ.get("KABINET_POOLER") == "pgbouncer":
                # The server through PgBouncer in transaction mode (the seeding above was direct).
                from config.pgbouncer import PgBouncer, ensure_pgbouncer

                binary = ensure_pgbouncer(say)
                if not binary:
                    raise SystemExit("KABINET_POOLER=pgbouncer: pgbouncer is not installed")
                pooler = PgBouncer(url, Path(tempfile.mkdtemp(prefix="kabinet-load-pgb-")),
                                   pool_size=POOLED_SERVER_CONNECTIONS).start(binary)  # fmt: skip
                env = {**env, "DATABASE_URL": pooler.url(), "DATABASE_POOLER": "transaction"}
                say(f"  through PgBouncer, transaction mode, {pooler.pool_size} server connections")
            with ExitStack() as stack:
                if pooler is not None:
                    stack.callback(pooler.stop)
                port = stack.enter_context(
                    gunicorn(env, log, probe_path="/health/", probe_host="localhost",
                             workers=WEB_WORKERS, extra_args=args)
                )  # fmt: skip
                metrics_before = scrape(port)
                latencies, errors, buckets = hammer(port, people)
                metrics_after = scrape(port)
        finally:
            drop_database(url)
    everything = [s for samples in latencies.values() for s in samples]
    say(f"  {len(everything):,} requests in {SECONDS:.0f} s (after {WARMUP:.0f} s of warm-up) = "
        f"{len(everything) / SECONDS:,.0f} requests/s; p50 {ms(everything, 50):.0f} ms, "
        f"p99 {ms(everything, 99):.0f} ms; {len(errors)} errors")  # fmt: skip
    full = buckets[: int(SECONDS // BUCKET_SECONDS)]
    say(f"  requests/s per {BUCKET_SECONDS} s: "
        + ", ".join(f"{n / BUCKET_SECONDS:,.0f}" for n in full))  # fmt: skip
    say("  per endpoint, slowest p99 first:")
    rows = sorted(latencies.items(), key=lambda kv: ms(kv[1], 99), reverse=True)
    for path, samples in rows:
        say(f"    {path:<22} {len(samples):>7,} req  p50 {ms(samples, 50):>6.0f} ms  "
            f"p99 {ms(samples, 99):>6.0f} ms")  # fmt: skip
    say_metrics_moved(metrics_before, metrics_after)
    if errors:
        counts: dict[str, int] = defaultdict(int)
        for error in errors:
            counts[error] += 1
        say("  errors: " + json.dumps(dict(sorted(counts.items())[:10])))
    say(f"LOAD {'CLEAN' if not errors else 'HAD ERRORS'}: {len(errors)} errors")
    return 0 if not errors else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.stderr.write(f"load run failed: {error}\n")
        sys.exit(1)
