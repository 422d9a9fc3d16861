"""Cabinets on a Citus cluster beside one PostgreSQL, in one run.

    make bench-cluster        (= .venv/bin/python -m tests.bench.cluster)
    CLUSTER_CABINETS=40 make bench-cluster      a smaller spread (default 200)
    CLUSTER_PARTS=times,move make bench-cluster   only some parts (times, modes, move, spread)

The cluster of `make cluster` (started when down) serves both sides: "one PostgreSQL" is a
database on the coordinator without the citus extension (the same server, binaries and
settings, no distribution); "Citus" is a database with the extension and the two workers.
Each side runs in its own process (Django's settings are per process), in-process: no HTTP
server, so the figures are the database's share plus Django's, not the network's.

  times    a signup (tenant_provision from the warm pool: claim, owner, receivers, commit;
           the bench refills the pool between signups, untimed) and a request (a signed-in
           client's GET / of a cabinet with starter content), median and p95, per side.
  modes    the two ways of distributing a new cabinet's schema (cluster only): (a) clone the
           template locally, then citus_schema_distribute; (b) clone into a schema created with
           citus.enable_schema_based_sharding on — and how many of its tables Citus distributed.
  move     the demo hotel (cabinet.demo.seed, its full demo content) moved live between the
           workers
           while LOAD threads of signed-in clients GET its pages: errors, requests served during
           the move, and the md5 of every table's rows (ordered) before and after.
  spread   CLUSTER_CABINETS cabinets provisioned (each placed by tenants.placement, the move it
           queues run at once), then the count per worker and the largest deviation from even.

Databases kabinet_bench_single and kabinet_bench_citus are dropped and made afresh at the start
and dropped at the end. Heavy (the spread of 200 takes tens of minutes here): not in CI.
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
CABINETS = int(os.environ.get("CLUSTER_CABINETS", "200"))
PARTS = set(os.environ.get("CLUSTER_PARTS", "times,modes,move,spread").split(","))
SIGNUPS = 5
REQUESTS = 40
LOAD = 4


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
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL citus.enable_schema_based_sharding = on")
        clone_template("bench_mode_b", vertical="hotel")
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


def agent_move() -> dict:
    from django.db import close_old_connections, connection

    from cabinet.demo.seed import demo_tenants, seed_demo_tenant
    from tenants.backup import schema_checksums
    from tenants.cluster import schema_move, schema_nodes, worker_nodes

    demo = next(demo for demo in demo_tenants() if demo.slug == "hotel")
    seeding = time.perf_counter()
    hotel = seed_demo_tenant(demo)
    seeded = round(time.perf_counter() - seeding, 1)
    connection.set_schema_to_public()
    client = _signed_in_client(hotel, demo.client_email)
    paths = ["/", "/services/", "/events/", "/orders/", "/wallet/"]
    for path in paths:
        assert client.get(path).status_code == 200, path
    # Every client signs in first (a session, a last-login, a user-session row each); from
    # then on the traffic only reads, so the rows must come through the move unchanged.
    clients = [_signed_in_client(hotel, demo.client_email) for _ in range(LOAD)]
    for each in clients:
        each.get("/")
    connection.set_schema_to_public()
    before = schema_checksums(hotel.schema_name)
    counts = {"ok": 0, "errors": 0, "during_move": 0}
    errors: list[str] = []
    moving = threading.Event()
    stop = threading.Event()

    def user(n: int) -> None:
        mine = clients[n]
        index = n
        while not stop.is_set():
            path = paths[index % len(paths)]
            index += 1
            try:
                status = mine.get(path).status_code
            except Exception as exc:  # an error is what this measures
                status = repr(exc)[:200]
            if status == 200:
                counts["ok"] += 1
                counts["during_move"] += moving.is_set()
            else:
                counts["errors"] += 1
                errors.append(f"{path}: {status}")
        close_old_connections()

    threads = [threading.Thread(target=user, args=(n,)) for n in range(LOAD)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    source = schema_nodes([hotel.schema_name])[hotel.schema_name]
    target = next(node for node in worker_nodes() if node != source)
    connection.set_schema_to_public()
    moving.set()
    started = time.perf_counter()
    schema_move(hotel.schema_name, target)
    seconds = round(time.perf_counter() - started, 1)
    moving.clear()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    connection.set_schema_to_public()
    after = schema_checksums(hotel.schema_name)
    landed = schema_nodes([hotel.schema_name])[hotel.schema_name]
    return {
        "seed_s": seeded, "from": source.label, "to": landed.label, "move_s": seconds,
        "requests_ok": counts["ok"], "requests_during_move": counts["during_move"],
        "errors": counts["errors"], "first_errors": errors[:5], "tables": len(before),
        "rows": sum(count for count, _digest in before.values()),
        "checksums_equal": before == after,
        "differing_tables": sorted(t for t in before if before[t] != after.get(t)),
    }  # fmt: skip


def agent_spread(cabinets: int) -> dict:
    from django.db import connection

    from tenants.cluster import node_loads
    from tenants.placement import cabinet_schemas, moves_run, new_cabinet_placement

    started = time.perf_counter()
    moved = 0
    for n in range(cabinets):
        connection.set_schema_to_public()
        tenant = _provision(f"spread{n}")
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
                f"under {LOAD} signed-in clients")  # fmt: skip
            say(f"  requests ok {move['requests_ok']} ({move['requests_during_move']} during "
                f"the move), errors {move['errors']} {move['first_errors']}")  # fmt: skip
            say(f"  {move['tables']} tables, {move['rows']} rows: checksums equal before and "
                f"after: {move['checksums_equal']} {move['differing_tables']}")  # fmt: skip
        if "spread" in PARTS:
            fresh()
            say(f"spread of {CABINETS} cabinets provisioned on the cluster")
            spread = _run_agent(citus_url, "spread")
            say(f"  per worker {spread['per_worker']}, largest deviation from even "
                f"{spread['max_deviation_pct']} % (moved by placement: "
                f"{spread['moved_by_placement']}; {spread['seconds']} s)")  # fmt: skip
    finally:
        cluster.drop_database(SINGLE)
        cluster.drop_database(CITUS)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "agent":
        agent(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
