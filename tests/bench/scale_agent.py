"""The Django side of `make bench-scale`, run by tests.bench.scale in subprocesses under
tests.bench.scale_settings. Each command prints progress lines and `FIGURE {json}` lines:

    python -m tests.bench.scale_agent provision N     pool refills, then claims, until N cabinets
    python -m tests.bench.scale_agent measure LABEL   signups, routing, catalog, memory, fan-outs,
                                                      pg_dump of one tenant
"""

import io
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import django

VERTICALS = ("hotel", "shop", "school")
REFILL_BATCH = 50
SIGNUP_SAMPLES = 20
ROUTING_REQUESTS = 1500
ROUTING_ROUNDS = 12
MEMORY_STEPS = (1, 100, 1000)
BACKUP_SAMPLE = 5
MIN_FREE_GB = float(os.environ.get("SCALE_MIN_FREE_GB", "15"))
PASSWORD = secrets.token_urlsafe(16)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def figure(label: str, name: str, value: Any, unit: str = "") -> None:
    say("FIGURE " + json.dumps({"label": label, "name": name, "value": value, "unit": unit}))


def cabinets() -> int:
    from tenants.models import Tenant

    return Tenant.objects.exclude(schema_name="public").filter(slug__startswith="s").count()


def provision_one(index: int, vertical: str) -> float:
    from tenants.services import OwnerSpec, tenant_provision

    started = time.perf_counter()
    tenant_provision(
        slug=f"s{index:05d}",
        name=f"Scale {index}",
        vertical=vertical,
        owner=OwnerSpec(email=f"owner{index}@scale.example.com", password=PASSWORD,
                        email_verified=True),
    )  # fmt: skip
    return time.perf_counter() - started


def provision(target: int) -> None:
    """Bring the cabinets up to `target`: SCALE_WORKERS processes (default 3: one per vertical, so
    no two refill the same vertical's pool), each refilling its pool in batches and claiming the
    spares, as many signups on several web workers would."""
    have = cabinets()
    started = time.monotonic()
    workers = max(1, int(os.environ.get("SCALE_WORKERS", "3")))
    if target - have <= REFILL_BATCH or workers == 1:
        provision_part(have, target, 0, 1)
    else:
        from django.db import connection

        connection.close()
        parts = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.scale_agent",
                    "provision-part",
                    str(have),
                    str(target),
                    str(worker),
                    str(workers),
                ]
            )
            for worker in range(workers)
        ]
        failed = [part.args[-2] for part in parts if part.wait() != 0]
        if failed:
            raise RuntimeError(f"provisioning worker(s) {', '.join(failed)} failed")
    say(f"  {cabinets()} cabinets in {time.monotonic() - started:.0f} s ({workers} workers)")


def provision_part(have: int, target: int, worker: int, workers: int) -> None:
    """This worker's share of cabinets have+1..target: refill the pool for a batch (clone), then
    claim the spares (the signup's path)."""
    from tenants.pool import pool_refill

    indices = [i for i in range(have + 1, target + 1) if (i - 1) % workers == worker]
    started = time.monotonic()
    clone_seconds = claim_seconds = 0.0
    clones = claims = done = last_report = 0
    while done < len(indices):
        free = shutil.disk_usage(os.environ.get("SCALE_DISK_PATH", "/")).free / 2**30
        if free < MIN_FREE_GB:
            say(f"  worker {worker}: STOPPED after {done} cabinets: {free:.1f} GB free on disk "
                f"(< {MIN_FREE_GB})")  # fmt: skip
            break
        batch = indices[done : done + REFILL_BATCH]
        per_vertical = dict.fromkeys(VERTICALS, 0)
        for index in batch:
            per_vertical[VERTICALS[(index - 1) % len(VERTICALS)]] += 1
        t0 = time.perf_counter()
        for vertical, count in per_vertical.items():
            if count:
                for report in pool_refill(vertical=vertical, size=count):
                    clones += report.created
        clone_seconds += time.perf_counter() - t0
        for index in batch:
            claim_seconds += provision_one(index, VERTICALS[(index - 1) % len(VERTICALS)])
            claims += 1
        done += len(batch)
        if done - last_report >= 250 or done == len(indices):
            elapsed = time.monotonic() - started
            say(f"  worker {worker}: {done}/{len(indices)} in {elapsed:.0f} s; last batches: "
                f"clone {clone_seconds / max(clones, 1) * 1000:.0f} ms, "
                f"claim {claim_seconds / max(claims, 1) * 1000:.0f} ms each")  # fmt: skip
            clone_seconds = claim_seconds = 0.0
            clones = claims = 0
            last_report = done


# --- measure -------------------------------------------------------------------------------------


def measure_signups(label: str) -> None:
    from tenants.models import Tenant
    from tenants.pool import pool_refill

    # Apart from the bulk's numbers, and after the samples of earlier checkpoints.
    base = 90_000 + Tenant.objects.filter(slug__startswith="s9").count()
    for vertical in VERTICALS:
        pool_refill(vertical=vertical, size=SIGNUP_SAMPLES // len(VERTICALS) + 1)
    samples = []
    for i in range(SIGNUP_SAMPLES):
        samples.append(provision_one(base + i, VERTICALS[i % len(VERTICALS)]))
    samples.sort()
    figure(label, "signup p50 (warm pool, in-process)", round(statistics.median(samples), 3), "s")
    figure(label, "signup p95", round(samples[int(0.95 * (len(samples) - 1))], 3), "s")
    t0 = time.perf_counter()
    pool_refill(vertical="hotel", size=5)
    from tenants.models import SpareSchema

    created = SpareSchema.objects.filter(vertical="hotel").count()
    figure(label, "clone one spare", round((time.perf_counter() - t0) / max(created, 1), 3), "s")


def wsgi_environ(path: str, host: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host, "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip


def fetch(handler: Callable[..., Iterable[bytes]], path: str, host: str) -> None:
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    result = handler(wsgi_environ(path, host), start_response)
    b"".join(result)
    result.close()  # type: ignore[attr-defined]
    if not statuses or not statuses[0].startswith("200"):
        raise RuntimeError(f"GET {path} on {host}: {statuses}")


def rate(handler: Any, path: str, hosts: list[str], before: Callable[[], None] | None) -> float:
    started = time.perf_counter()
    for host in hosts:
        if before:
            before()
        fetch(handler, path, host)
    return len(hosts) / (time.perf_counter() - started)


def measure_routing(label: str) -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from tenants.models import Domain
    from tenants.routing import router

    domains = list(
        Domain.objects.filter(tenant__slug__startswith="s").values_list("domain", flat=True)
    )
    connection.set_schema_to_public()
    handler = WSGIHandler()
    rng = random.Random(7)
    hosts = [rng.choice(domains) for _ in range(ROUTING_REQUESTS)]
    for host in hosts[:50]:
        fetch(handler, "/bench/bare/", host)
        fetch(handler, "/bench/ours/", host)
    for host in domains:  # every cabinet's host once: the cache holds all N
        fetch(handler, "/bench/ours/", host)
    # The machine is shared: bare and ours alternate in short rounds (each first in turn), so a
    # burst of someone else's load hits both alike; the ratio is the median of the rounds'.
    rates: dict[str, list[float]] = {"bare": [], "cold": [], "warm": []}
    for round_ in range(ROUTING_ROUNDS):
        chunk = hosts[(round_ * 300) % len(hosts) :][:300] or hosts[:300]
        order = ["bare", "warm"] if round_ % 2 == 0 else ["warm", "bare"]
        for kind in order:
            rates[kind].append(rate(handler, f"/bench/{'bare' if kind == 'bare' else 'ours'}/",
                                    chunk, None))  # fmt: skip
        if round_ % 3 == 0:
            rates["cold"].append(rate(handler, "/bench/ours/", chunk[:100], router.forget))
            for host in domains:  # warm again
                fetch(handler, "/bench/ours/", host)
    ratios = sorted(w / b for w, b in zip(rates["warm"], rates["bare"], strict=True))
    best = {kind: statistics.median(values) for kind, values in rates.items()}
    figure(label, "routing bare Django", round(best["bare"]), "req/s")
    figure(label, "routing cold host cache", round(best["cold"]), "req/s")
    figure(label, "routing warm host cache", round(best["warm"]), "req/s")
    figure(label, "routing warm / bare (median of rounds)", round(statistics.median(ratios), 2),
           "x")  # fmt: skip
    figure(label, "routing cold / bare", round(best["cold"] / best["bare"], 2), "x")


def measure_catalog(label: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class")
        figure(label, "catalog relations (pg_class rows)", cursor.fetchone()[0])
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog'"
        )
        figure(label, "catalog size", round(cursor.fetchone()[0] / 2**20), "MB")
        cursor.execute("SELECT pg_database_size(current_database())")
        figure(label, "database size", round(cursor.fetchone()[0] / 2**20), "MB")


def backend_memory(cursor: Any) -> tuple[float, float, float]:
    """(RSS MB, private RSS MB, memory contexts MB) of this connection's backend."""
    cursor.execute("SELECT pg_backend_pid(), sum(total_bytes) FROM pg_backend_memory_contexts")
    pid, contexts = cursor.fetchone()
    rss = anon = float("nan")
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        rss = int(fields["VmRSS"].split()[0]) / 1024
        anon = int(fields.get("RssAnon", "0 kB").split()[0]) / 1024
    return rss, anon, int(contexts) / 2**20


def touch_schema(schema: str) -> None:
    """What a request does in a cabinet: a handful of its tables read through the ORM."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    connection.set_schema(schema)
    get_user_model().objects.filter(is_active=True).exists()
    Group.objects.count()
    from cabinet.accounts.models import ClientProfile
    from cabinet.notifications.models import Notification

    ClientProfile.objects.exists()
    Notification.objects.exists()


def measure_memory(label: str) -> None:
    from django.db import connection

    from tenants.models import Tenant

    schemas = list(
        Tenant.objects.filter(slug__startswith="s").values_list("schema_name", flat=True)
    )
    # 1, 100 and 1,000, or every schema when there are fewer than 1,000.
    steps = [step for step in MEMORY_STEPS if step <= len(schemas)]
    if len(schemas) < MEMORY_STEPS[-1] and len(schemas) not in steps:
        steps.append(len(schemas))
    for step in steps:
        connection.close()
        for schema in schemas[:step]:
            touch_schema(schema)
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            rss, anon, contexts = backend_memory(cursor)
        figure(label, f"backend after {step} schemas: RSS", round(rss), "MB")
        figure(label, f"backend after {step} schemas: private RSS", round(anon), "MB")
        figure(label, f"backend after {step} schemas: memory contexts", round(contexts), "MB")
    connection.close()


FANOUTS = ("reminders", "gauges")


def fanout_chunk(job: tuple[str, list[str]]) -> tuple[int, str]:
    """Run one nightly task for each of these schemas, as a worker runs it (the schema in the
    task's headers, tenants.tasks_base); (errors, the first error)."""
    from cabinet.tasks import report_gauges, send_reminders
    from tenants.tasks_base import SCHEMA_HEADER

    name, schemas = job
    task = {"reminders": send_reminders, "gauges": report_gauges}[name]
    errors, first = 0, ""
    for schema in schemas:
        result = task.apply(headers={SCHEMA_HEADER: schema})
        if result.failed():
            errors += 1
            first = first or f"{schema}: {result.result!r}"
    return errors, first


def measure_fanouts(label: str) -> None:
    """Each nightly fan-out run for every cabinet by SCALE_FANOUT_PROCESSES processes (default:
    one per core, as a Celery worker's concurrency): reminders and gauges in full; backups on a
    sample, times the number of cabinets."""
    import multiprocessing

    from django.db import connections

    from tenants.backup import tenant_backup
    from tenants.models import Tenant

    processes = max(1, int(os.environ.get("SCALE_FANOUT_PROCESSES", str(os.cpu_count() or 1))))
    tenants = list(Tenant.objects.filter(slug__startswith="s"))
    schemas = [tenant.schema_name for tenant in tenants]
    for name in FANOUTS:
        chunks = [(name, schemas[i :: processes * 8]) for i in range(processes * 8)]
        connections.close_all()  # each forked process opens its own
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.map(fanout_chunk, chunks)
        figure(
            label,
            f"fan-out {name}, all cabinets, {processes} processes",
            round(time.perf_counter() - started, 1),
            "s",
        )
        errors = sum(count for count, _first in results)
        if errors:
            say(f"  {name} failed: {next(first for _count, first in results if first)}")
            figure(label, f"fan-out {name} errors", errors)
    sample = tenants[:BACKUP_SAMPLE]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        try:
            for tenant in sample:
                tenant_backup(tenant, folder=Path(folder))
        except Exception as exc:  # reported; the run goes on to the migration
            say(f"  backup of {tenant.schema_name} FAILED: {exc!r}")
            figure(label, "backup one cabinet (archive)", "failed")
            return
        each = (time.perf_counter() - started) / len(sample)
    figure(label, "backup one cabinet (archive)", round(each, 2), "s")
    figure(
        label,
        "fan-out backups, all cabinets, 1 process (sample x N)",
        round(each * len(tenants)),
        "s",
    )


def measure_pg_dump(label: str) -> None:
    from django.conf import settings
    from django.db import connection

    from tenants.backup import pg_tool
    from tenants.models import Tenant

    schema = Tenant.objects.filter(slug__startswith="s").order_by("pk").first().schema_name
    db = settings.DATABASES["default"]
    args = [pg_tool("pg_dump"), "--dbname", db["NAME"], "--username", db.get("USER") or "postgres",
            "--schema", schema, "--format=custom", "--no-owner"]  # fmt: skip
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT") or db.get("OPTIONS", {}).get("port"):
        args += ["--port", str(db.get("PORT") or db["OPTIONS"]["port"])]
    connection.close()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run([*args, "--file", f"{folder}/one.dump"], check=True)
        seconds = time.perf_counter() - started
        size = Path(f"{folder}/one.dump").stat().st_size
    figure(label, "pg_dump one tenant", round(seconds, 2), "s")
    figure(label, "pg_dump one tenant size", round(size / 1024), "KB")


def measure_catalog_upkeep(label: str) -> None:
    """What autovacuum would have done to the catalog by now, when the server runs without it:
    dead rows of dropped spares, rebuilt templates and migrations reused, and the planner's
    statistics of catalogs grown a hundredfold (a catalog believed small is scanned)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'pg_catalog'::regnamespace"
            " AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC"
        )
        tables = [name for (name,) in cursor.fetchall()]
        started = time.perf_counter()
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) pg_catalog.{table}")
    figure(label, "catalog VACUUM ANALYZE (the server's autovacuum is off)",
           round(time.perf_counter() - started, 1), "s")  # fmt: skip


def measure(label: str) -> None:
    for step in (measure_catalog_upkeep, measure_signups, measure_routing, measure_catalog,
                 measure_memory, measure_pg_dump, measure_fanouts):  # fmt: skip
        started = time.monotonic()
        say(f"  {step.__name__} ...")
        step(label)
        say(f"  {step.__name__}: {time.monotonic() - started:.0f} s")


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.scale_settings")
    django.setup()
    if argv[:1] == ["provision"]:
        provision(int(argv[1]))
    elif argv[:1] == ["provision-part"]:
        provision_part(*(int(arg) for arg in argv[1:5]))
    elif argv[:1] == ["measure"]:
        measure(argv[1])
    else:
        sys.stderr.write(__doc__ or "")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
