"""Cabinets on a Citus cluster beside one PostgreSQL, in one run.

    make bench-cluster        (= .venv/bin/python -m tests.bench.cluster)
    CLUSTER_CABINETS=40 make bench-cluster      a smaller spread (default 200)
    CLUSTER_PARTS=times,move make bench-cluster   only some parts (times, modes, move, spread)

The cluster of `make cluster` (started when down) serves both sides: "one PostgreSQL" is a
database on the coordinator without the citus extension (the same server, binaries and
settings, no distribution); "Citus" is a database with the extension and the two workers.
Each side runs in its own process (Django's settings are per process); the times are in-process
(no HTTP server: the database's share plus Django's, not the network's), the move is over HTTP.

  times    a signup (tenant_provision from the warm pool: claim, owner, receivers, commit;
           the bench refills the pool between signups, untimed) and a request (a signed-in
           client's GET / of a cabinet with starter content), median and p95, per side.
  modes    the two ways of distributing a new cabinet's schema (cluster only): (a) clone the
           template locally, then citus_schema_distribute; (b) clone into a schema created with
           citus.enable_schema_based_sharding on — and how many of its tables Citus distributed.
  move     the demo hotel (cabinet.demo.seed, its full demo content) moved live between the workers
           while LOAD signed-in users walk its pages and API over HTTP with no pause, as
           `make load` does (gunicorn gthread, 2 workers × 4 threads): errors, requests served
           during the move, and the md5 of every table's rows (ordered) before and after — the
           two tables the traffic itself writes compared on what it does not write.
  spread   CLUSTER_CABINETS cabinets provisioned (each placed by tenants.placement, the move it
           queues run at once), then the count per worker and the largest deviation from even.

Databases kabinet_bench_single and kabinet_bench_citus (kabinet_bench_spread for the spread, so
`CLUSTER_PARTS=spread` can run beside the rest) are made afresh at the start and dropped at the
end. Heavy (the spread of 200 takes tens of minutes here): not in CI.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING

from tests.bench.harness import say

if TYPE_CHECKING:  # Django is set up by the agent, after this module is imported
    from django.test import Client

    from tenants.models import Tenant

SINGLE, CITUS = "kabinet_bench_single", "kabinet_bench_citus"
SPREAD = "kabinet_bench_spread"  # its own database: a long spread can run beside the other parts
CABINETS = int(os.environ.get("CLUSTER_CABINETS", "200"))
PARTS = set(os.environ.get("CLUSTER_PARTS", "times,modes,move,spread").split(","))
SIGNUPS = 5
REQUESTS = 40
LOAD = 8


# --- the agent: runs inside Django, against one database ----------------------------------------


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["TENANT_POOL_SIZE"] = "1"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-cluster-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", ".localhost,localhost")
    os.environ["PLATFORM_DOMAIN"] = "localhost"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("SENTRY_DSN", None)
    os.environ["KABINET_DATA_DIR"] = tempfile.mkdtemp(prefix="kabinet-bench-cluster-")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("platform_setup", verbosity=0)


def _provision(slug: str) -> "Tenant":
    from tenants.services import OwnerSpec, tenant_provision

    return tenant_provision(
        slug=slug, name=slug.title(), vertical="hotel",
        owner=OwnerSpec(email=f"owner@{slug}.example.com", password="bench-pass-1234",
                        email_verified=True),
    )  # fmt: skip


def _ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def _signed_in_client(tenant: "Tenant", email: str) -> "Client":
    from django.test import Client
    from django_tenants.utils import tenant_context

    from rbac.models import User

    client = Client(HTTP_HOST=tenant.get_primary_domain().domain)
    with tenant_context(tenant):
        client.force_login(User.objects.get(email=email))
    return client


def agent_times() -> dict:
    from django.db import connection

    from tenants.pool import pool_refill

    signups = []
    for n in range(SIGNUPS):
        pool_refill(vertical="hotel", size=1)
        connection.set_schema_to_public()
        started = time.perf_counter()
        tenant = _provision(f"bench{n}")
        signups.append(time.perf_counter() - started)
    client = _signed_in_client(tenant, tenant.owner_email)
    for _ in range(3):
        client.get("/")
    requests = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        status = client.get("/").status_code
        requests.append(time.perf_counter() - started)
        assert status == 200, status
    return {
        "signup_p50_ms": _ms(signups, 0.5), "signup_max_ms": _ms(signups, 1.0),
        "request_p50_ms": _ms(requests, 0.5), "request_p95_ms": _ms(requests, 0.95),
    }  # fmt: skip


def agent_modes() -> dict:
    from django.db import connection, transaction

    from tenants.cluster import schema_distribute
    from tenants.schema_templates import clone_template, drop_schema

    results = {}
    started = time.perf_counter()
    with transaction.atomic():
        clone_template("bench_mode_a", vertical="hotel")
    cloned = time.perf_counter()
    schema_distribute("bench_mode_a")
    results["a_clone_ms"] = round(1000 * (cloned - started))
    results["a_distribute_ms"] = round(1000 * (time.perf_counter() - cloned))
    started = time.perf_counter()
    with transaction.atomic():
        results["b_ddl_clone"] = clone_template("bench_mode_b", vertical="hotel", sharded=True)
    results["b_clone_ms"] = round(1000 * (time.perf_counter() - started))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE c.oid IN (SELECT logicalrelid FROM pg_dist_partition)),"
            " count(*) FROM pg_class c WHERE c.relnamespace = 'bench_mode_b'::regnamespace"
            " AND c.relkind = 'r'"
        )
        results["b_tables_distributed"], results["b_tables"] = cursor.fetchone()
    for name in ("bench_mode_a", "bench_mode_b"):
        drop_schema(name)
    return results


# The two tables the read-only traffic itself writes on every request: the session (its
# idle-timeout stamp) and allauth's user session (last seen). Their rows are compared on what
# the traffic does not write: the set of session keys, and every user-session column but
# last_seen_at. Every other table is compared whole.
TRAFFIC_WRITES = {
    "django_session": "session_key",
    "usersessions_usersession": "(to_jsonb(t) - 'last_seen_at')::text",
}


def _stable_checksums(schema_name: str) -> dict[str, list]:
    from django.db import connection
    from django_tenants.utils import quote_schema_name

    sums = {}
    with connection.cursor() as cursor:
        for table, expression in TRAFFIC_WRITES.items():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg({expression}, E'\\n'"  # noqa: S608
                f" ORDER BY {expression}), '')) FROM {quote_schema_name(schema_name)}.{table} t"
            )
            sums[table] = list(cursor.fetchone())
    return sums


def _hotel_people(hotel: "Tenant", email: str) -> list[dict[str, str]]:
    """LOAD signed-in sessions of the demo hotel's client (a cookie each) and its API token."""
    from django.conf import settings
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    from rbac.models import User

    people = []
    with tenant_context(hotel):
        token = Token.objects.get_or_create(user=User.objects.get(email=email))[0].key
    for _ in range(LOAD):
        client = _signed_in_client(hotel, email)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        people.append({"cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "token": token})
    return people


MOVE_PAGES = ["/", "/services/", "/events/", "/orders/", "/wallet/", "/stay/", "/map/"]
MOVE_API = ["/api/v1/catalog/", "/api/v1/orders/", "/api/v1/bookings/", "/api/v1/wallet/"]


def agent_move() -> dict:
    """The demo hotel moved while LOAD users walk its pages and API over HTTP, as `make load`
    does: a gunicorn (gthread, 2 × 4 threads) on this database, sessions and a DRF token."""
    import http.client
    from pathlib import Path

    from django.db import connection

    from cabinet.demo.seed import demo_tenants, seed_demo_tenant
    from tenants.backup import schema_checksums
    from tenants.cluster import schema_move, schema_nodes, worker_nodes
    from tests.bench.harness import bench_env, gunicorn

    demo = next(demo for demo in demo_tenants() if demo.slug == "hotel")
    seeding = time.perf_counter()
    hotel = seed_demo_tenant(demo)
    seeded = round(time.perf_counter() - seeding, 1)
    connection.set_schema_to_public()
    host = hotel.get_primary_domain().domain
    people = _hotel_people(hotel, demo.client_email)
    connection.set_schema_to_public()
    data_dir = Path(tempfile.mkdtemp(prefix="kabinet-bench-move-"))
    env = bench_env(os.environ["DATABASE_URL"], settings_module="config.settings",
                    data_dir=data_dir, TENANT_POOL_SIZE="0", DEBUG="false", LOG_LEVEL="WARNING",
                    STRIPE_API_KEY="")  # fmt: skip
    counts = {"ok": 0, "errors": 0, "during_move": 0}
    errors: list[str] = []
    moving = threading.Event()
    stop = threading.Event()
    lock = threading.Lock()

    def user(port: int, n: int) -> None:
        person = people[n]
        walk = [(path, False) for path in MOVE_PAGES] + [(path, True) for path in MOVE_API]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        index = n
        while not stop.is_set():
            path, is_api = walk[index % len(walk)]
            index += 1
            headers = {"Host": host}
            headers.update({"Authorization": f"Token {person['token']}"} if is_api
                           else {"Cookie": person["cookie"]})  # fmt: skip
            during = moving.is_set()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status: object = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with lock:
                if status == 200:
                    counts["ok"] += 1
                    counts["during_move"] += during or moving.is_set()
                else:
                    counts["errors"] += 1
                    errors.append(f"{path}: {status}")

    threaded = ["--worker-class", "gthread", "--threads", "4"]
    log = data_dir / "gunicorn.log"
    with gunicorn(env, log, probe_path="/health/", probe_host="localhost", workers=2,
                  extra_args=threaded) as port:  # fmt: skip
        # Every page and endpoint answers, and every user has been seen once (allauth records
        # a user session on a session's first request), before the checksums are taken.
        warm_up = [(path, people[0]) for path in MOVE_PAGES + MOVE_API]
        warm_up += [("/", person) for person in people[1:]]
        for path, person in warm_up:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            is_api = path in MOVE_API
            conn.request("GET", path, headers={"Host": host, **(
                {"Authorization": f"Token {person['token']}"} if is_api
                else {"Cookie": person["cookie"]})})  # fmt: skip
            status = conn.getresponse().status
            assert status == 200, (path, status)
        before = schema_checksums(hotel.schema_name)
        for table in TRAFFIC_WRITES:
            before.pop(table)
        stable_before = _stable_checksums(hotel.schema_name)
        threads = [threading.Thread(target=user, args=(port, n)) for n in range(LOAD)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        source = schema_nodes([hotel.schema_name])[hotel.schema_name]
        target = next(node for node in worker_nodes() if node != source)
        connection.set_schema_to_public()
        moving.set()
        started = time.perf_counter()
        schema_move(hotel.schema_name, target)
        seconds = round(time.perf_counter() - started, 1)
        moving.clear()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join()
    connection.set_schema_to_public()
    after = schema_checksums(hotel.schema_name)
    for table in TRAFFIC_WRITES:
        after.pop(table)
    stable_after = _stable_checksums(hotel.schema_name)
    landed = schema_nodes([hotel.schema_name])[hotel.schema_name]
    return {
        "seed_s": seeded, "from": source.label, "to": landed.label, "move_s": seconds,
        "requests_ok": counts["ok"], "requests_during_move": counts["during_move"],
        "errors": counts["errors"], "first_errors": errors[:5], "tables": len(before),
        "rows": sum(count for count, _digest in before.values()),
        "checksums_equal": before == after,
        "differing_tables": sorted(t for t in before if before[t] != after.get(t)),
        "traffic_tables_stable_equal": stable_before == stable_after,
        "traffic_tables": {t: [stable_before[t], stable_after[t]] for t in TRAFFIC_WRITES},
    }  # fmt: skip


def agent_spread(cabinets: int) -> dict:
    from django.db import connection

    from tenants.cluster import node_loads
    from tenants.placement import cabinet_schemas, moves_run, new_cabinet_placement

    started = time.perf_counter()
    moved = 0
    signups = []
    for n in range(cabinets):
        connection.set_schema_to_public()
        signup_started = time.perf_counter()
        tenant = _provision(f"spread{n}")
        signups.append(time.perf_counter() - signup_started)
        move = new_cabinet_placement(tenant)
        if move is not None:
            moves_run([move.pk])
            moved += 1
        if (n + 1) % 20 == 0:
            say(f"  {n + 1} cabinets in {time.perf_counter() - started:.0f} s")
    loads = node_loads([s for s in cabinet_schemas() if s.startswith("spread")])
    mean = statistics.mean(loads.values())
    return {
        "cabinets": cabinets, "moved_by_placement": moved,
        "per_worker": {node.label: count for node, count in sorted(loads.items())},
        "max_deviation_pct": round(100 * max(abs(c - mean) for c in loads.values()) / mean, 1),
        "seconds": round(time.perf_counter() - started),
        "signup_p50_ms": _ms(signups, 0.5), "signup_p95_ms": _ms(signups, 0.95),
    }  # fmt: skip


def agent(url: str, part: str) -> None:
    _setup_django(url)
    if part == "times":
        result = agent_times()
    elif part == "modes":
        result = agent_modes()
    elif part == "move":
        result = agent_move()
    else:
        result = agent_spread(CABINETS)
    print("RESULT " + json.dumps(result), flush=True)  # noqa: T201


# --- the parent: databases, agents, the table ---------------------------------------------------


def _run_agent(url: str, part: str) -> dict:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.run(
        [sys.executable, "-m", "tests.bench.cluster", "agent", url, part],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    for line in process.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
        if line.startswith("[bench]"):
            say(line)
    raise SystemExit(f"agent {part} failed:\n{process.stdout[-3000:]}\n{process.stderr[-3000:]}")


def main() -> int:
    from config import cluster

    cluster.start()
    single_url = cluster.coordinator_url(SINGLE)
    citus_url = cluster.coordinator_url(CITUS)

    def fresh() -> None:
        cluster.drop_database(SINGLE)
        cluster.drop_database(CITUS)
        cluster._sql(cluster.COORDINATOR_PORT, f"CREATE DATABASE {SINGLE}")
        cluster.create_database(CITUS)

    try:
        if PARTS - {"spread"}:
            fresh()
        if "times" in PARTS:
            say("signup and request, one PostgreSQL beside Citus (in-process, ms)")
            one = _run_agent(single_url, "times")
            many = _run_agent(citus_url, "times")
            say(f"  {'':22} {'one PostgreSQL':>16} {'Citus (2 workers)':>18}")
            for key in one:
                say(f"  {key:22} {one[key]:>16} {many[key]:>18}")
        if "modes" in PARTS:
            modes = _run_agent(citus_url, "modes")
            say("distributing a new cabinet's schema (ms)")
            say(f"  (a) clone {modes['a_clone_ms']} + citus_schema_distribute "
                f"{modes['a_distribute_ms']}")  # fmt: skip
            say(f"  (b) clone with enable_schema_based_sharding {modes['b_clone_ms']}: "
                f"{modes['b_tables_distributed']} of {modes['b_tables']} tables "
                "distributed")  # fmt: skip
        if "move" in PARTS:
            move = _run_agent(citus_url, "move")
            say(f"demo hotel moved live {move['from']} -> {move['to']} in {move['move_s']} s "
                f"under {LOAD} signed-in users over HTTP (pages and API)")  # fmt: skip
            say(f"  requests ok {move['requests_ok']} ({move['requests_during_move']} during "
                f"the move), errors {move['errors']} {move['first_errors']}")  # fmt: skip
            say(f"  {move['tables']} tables the traffic does not write, {move['rows']} rows: "
                f"checksums equal before and after: {move['checksums_equal']} "
                f"{move['differing_tables']}")  # fmt: skip
            say(f"  {', '.join(TRAFFIC_WRITES)} (written by the traffic), compared without "
                f"what it writes: equal {move['traffic_tables_stable_equal']} "
                f"{move['traffic_tables']}")  # fmt: skip
        if "spread" in PARTS:
            cluster.drop_database(SPREAD)
            cluster.create_database(SPREAD)
            say(f"spread of {CABINETS} cabinets provisioned on the cluster")
            spread = _run_agent(cluster.coordinator_url(SPREAD), "spread")
            say(f"  per worker {spread['per_worker']}, largest deviation from even "
                f"{spread['max_deviation_pct']} % (moved by placement: "
                f"{spread['moved_by_placement']}; {spread['seconds']} s; a signup with clone and "
                f"distribution p50 {spread['signup_p50_ms']} ms, p95 "
                f"{spread['signup_p95_ms']} ms)")  # fmt: skip
    finally:
        for name in [SINGLE, CITUS] * bool(PARTS - {"spread"}) + [SPREAD] * ("spread" in PARTS):
            cluster.drop_database(name)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "agent":
        agent(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
