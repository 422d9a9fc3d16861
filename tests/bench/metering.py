"""Metering benchmark: usage recorded per second from concurrent tenant requests, and the flush of
the ledger to (a local fake) Stripe — each side by side with a naive baseline.

    make bench-metering        (= .venv/bin/python -m tests.bench.metering)

Goal (the issue): >= 5,000 usage events recorded per second on 2 cores.

(1) record   PROCESSES processes (spawned: each its own Django and database connection), each
             in one of TENANTS tenant schemas, record usage for SECONDS seconds as requests do:
             one event per transaction (autocommit), a distinct idempotency key each time.
             (a) billing.usage.record: one INSERT … ON CONFLICT DO NOTHING RETURNING;
             (b) baseline, the ORM's usual idiom: transaction.atomic() + get_or_create
                 (SELECT, then INSERT in a savepoint);
             (c) ceiling: the same INSERT from bare psycopg, with none of Django or of record()'s
                 checks — what this machine's PostgreSQL allows for one event per commit.
             Events per second over all processes, and the ratio (a)/(b). Two diagnostics of
             where (a)'s time goes: the same with `synchronous_commit = off` (the commit does
             not wait for the WAL flush), and ten events per transaction (a request that
             records several, or a commit shared with the business write).
(2) flush    LEDGER_ROWS ledger rows spread over FLUSH_TENANTS tenants x 3 metrics, then
             (a) billing.metering.usage_flush: freeze into per-tenant, per-metric batches in one
                 transaction, then one meter event per batch to the fake Stripe;
             (b) baseline: one meter event per ledger row (what a flush without batching does).
             (b) sends a sample of BASELINE_SAMPLE rows and is scaled to the ledger.
             Ledger rows accounted per second, meter-event HTTP calls made, and the ratio.

Database: kabinet_bench_metering on DATABASE_URL's server when set, else 127.0.0.1:5432 when
something listens there, else the embedded PostgreSQL of `make run`; recreated at the start and
dropped at the end. The fake Stripe runs in this process on 127.0.0.1. About a minute.
"""

import contextlib
import io
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.harness import (
    BenchError,
    bench_env,
    drop_database,
    exit_cleanly_on_sigterm,
    recreate_database,
    say,
    server_url,
)

DATABASE = "kabinet_bench_metering"
PROCESSES = 4
TENANTS = 4
SECONDS = 8.0
LEDGER_ROWS = 60_000
FLUSH_TENANTS = 200
BASELINE_SAMPLE = 1_000
GOAL_PER_SECOND = 5_000


def _recorder(env: dict[str, str], schema: str, variant: str, prefix: str, seconds: float) -> int:
    """One process: record usage in `schema` for `seconds`; how many events it recorded."""
    os.environ.update(env)
    import django

    django.setup()
    import psycopg
    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from billing import usage
    from billing.models import UsageEvent
    from tenants.models import Tenant

    tenant = Tenant.objects.get(schema_name=schema)
    count = 0
    with schema_context(schema):
        connection.set_tenant(tenant)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            key = f"{prefix}:{count}"
            if variant == "record":
                usage.record("orders", idempotency_key=key)
            elif variant == "record, no fsync wait":
                if not count:
                    with connection.cursor() as cursor:
                        cursor.execute("SET synchronous_commit = off")
                usage.record("orders", idempotency_key=key)
            elif variant == "bare psycopg (ceiling)":
                if not count:
                    connection.ensure_connection()
                    bare = psycopg.Cursor(connection.connection)
                bare.execute(usage._INSERT_SQL, [tenant.pk, "orders", 1, key, timezone.now()])
                bare.fetchone()
            elif variant == "record x10 per txn":
                with transaction.atomic():
                    for i in range(10):
                        usage.record("orders", idempotency_key=f"{key}:{i}")
                count += 9
            else:
                with transaction.atomic():
                    UsageEvent.objects.get_or_create(
                        tenant=tenant,
                        metric="orders",
                        idempotency_key=key,
                        defaults={"quantity": 1},
                    )
            count += 1
    connection.close()
    return count


def measure_recording(env: dict[str, str], schemas: list[str]) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    rates = {}
    variants = (
        "record",
        "get_or_create",
        "bare psycopg (ceiling)",
        "record, no fsync wait",
        "record x10 per txn",
    )
    for variant in variants:
        jobs = [
            (env, schemas[i % len(schemas)], variant, f"{variant}-{i}", SECONDS)
            for i in range(PROCESSES)
        ]
        with context.Pool(PROCESSES) as pool:
            started = time.perf_counter()
            counts = pool.starmap(_recorder, jobs)
            wall = time.perf_counter() - started
        # Each process records for SECONDS after its own start-up: rate over the recording time.
        rates[variant] = sum(counts) / SECONDS
        say(
            f"  {variant:<24} {sum(counts):>8,} events in {SECONDS:.0f} s x {PROCESSES} processes"
            f" = {rates[variant]:>9,.0f} events/s   (wall {wall:.1f} s incl. start-up)"
        )
    return rates


@contextlib.contextmanager
def quiet() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def setup(env: dict[str, str]) -> list[str]:
    import django

    django.setup()
    from django.core.management import call_command

    from tenants.models import TenantStatus
    from tenants.services import OwnerSpec, tenant_provision

    with quiet():
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        call_command("platform_setup")
        schemas = []
        for i in range(TENANTS):
            tenant = tenant_provision(
                slug=f"bench{i}",
                name=f"Bench {i}",
                vertical="shop",
                owner=OwnerSpec(
                    email=f"owner@bench{i}.example.com", password="x" * 16, email_verified=True
                ),
                status=TenantStatus.ACTIVE,
            )
            schemas.append(tenant.schema_name)
    return schemas


def measure_flush() -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test import override_settings
    from django.utils import timezone

    from billing import gateway
    from billing.metering import usage_flush
    from billing.models import MeterBatch, Subscription, UsageEvent
    from billing.plans import meters_ensure
    from tenants.models import Tenant
    from tests.support.fake_stripe import fake_stripe

    connection.set_schema_to_public()
    with (
        fake_stripe() as fake,
        override_settings(STRIPE_API_KEY="sk_test_bench", STRIPE_API_BASE=fake.url),
    ):
        # Billing rows only: the flush reads `public`, so these tenants need no schema.
        tenants = Tenant.objects.bulk_create(
            [
                Tenant(schema_name=f"flush{i}", slug=f"flush{i}", name=f"Flush {i}")
                for i in range(FLUSH_TENANTS)
            ]
        )
        plan_id = Subscription._meta.get_field("plan").related_model.objects.get(code="start").pk
        customers = [
            gateway.customer_create(tenant_id=t.pk, name=t.name, email="", slug=t.slug)
            for t in tenants
        ]
        Subscription.objects.bulk_create(
            [
                Subscription(tenant=t, plan_id=plan_id, stripe_customer_id=c)
                for t, c in zip(tenants, customers, strict=True)
            ]
        )
        meters_ensure()
        now = timezone.now()
        metrics = ("orders", "bookings", "notifications")
        UsageEvent.objects.bulk_create(
            [
                UsageEvent(
                    tenant=tenants[i % FLUSH_TENANTS],
                    metric=metrics[i % 3],
                    quantity=1,
                    idempotency_key=f"k{i}",
                    occurred_at=now,
                )
                for i in range(LEDGER_ROWS)
            ],
            batch_size=5000,
        )
        before = len(fake.requests)
        started = time.perf_counter()
        report = usage_flush(limit=LEDGER_ROWS)
        batched = time.perf_counter() - started
        calls = len(fake.requests) - before
        assert report.frozen_rows == LEDGER_ROWS, report
        assert report.units_sent == LEDGER_ROWS, report
        assert MeterBatch.objects.filter(sent_at__isnull=True).count() == 0

        # Baseline: one meter event per ledger row, on a sample.
        names = {
            "orders": "kabinet_orders",
            "bookings": "kabinet_bookings",
            "notifications": "kabinet_notifications",
        }
        sample = list(
            UsageEvent.objects.filter(tenant__in=tenants).order_by("pk")[:BASELINE_SAMPLE]
        )
        customer_of = dict(Subscription.objects.values_list("tenant_id", "stripe_customer_id"))
        started = time.perf_counter()
        for row in sample:
            gateway.meter_event_send(
                event_name=names[row.metric],
                customer=customer_of[row.tenant_id],
                value=1,
                identifier=f"row-{row.pk}",
                timestamp=row.occurred_at,
            )
        per_row = (time.perf_counter() - started) / len(sample)
    return LEDGER_ROWS / batched, 1 / per_row, calls, LEDGER_ROWS


def run(env: dict[str, str]) -> int:
    started = time.perf_counter()
    say("Setup")
    schemas = setup(env)
    say(f"  {TENANTS} tenants provisioned in {time.perf_counter() - started:.1f} s")
    say()
    say(f"(1) Usage recorded from {PROCESSES} concurrent processes, one event per transaction")
    rates = measure_recording(env, schemas)
    ratio = rates["record"] / rates["get_or_create"]
    say(f"  ratio usage.record / get_or_create baseline: {ratio:.2f}x")
    say()
    say(f"(2) Flush of {LEDGER_ROWS:,} ledger rows over {FLUSH_TENANTS} tenants x 3 metrics")
    batched, per_row, calls, rows = measure_flush()
    say(f"  usage_flush (batched)   {batched:>10,.0f} ledger rows/s   {calls} meter-event calls")
    say(f"  one event per row       {per_row:>10,.0f} ledger rows/s   {rows:,} calls (scaled)")
    say(f"  ratio batched / per-row: {batched / per_row:.1f}x")
    say()
    met = rates["record"] >= GOAL_PER_SECOND
    say(
        f"GOAL {'MET' if met else 'NOT MET'}: {rates['record']:,.0f} usage events/s recorded "
        f"(goal >= {GOAL_PER_SECOND:,}); run time {time.perf_counter() - started:.0f} s"
    )
    return 0


def main() -> int:
    exit_cleanly_on_sigterm()
    url = server_url(DATABASE)
    with tempfile.TemporaryDirectory(prefix="kabinet-bench-metering-") as data_dir:
        env = bench_env(
            url,
            settings_module="config.settings",
            data_dir=Path(data_dir),
            TENANT_POOL_SIZE="0",
            DEBUG="false",
            STRIPE_API_KEY="",
        )
        os.environ.update(env)
        load_average, cpus = os.getloadavg()[0], os.cpu_count() or 1
        say("metering benchmark: usage recorded per second, and the flush to a fake Stripe")
        say(f"  {cpus} CPUs shared by Django and PostgreSQL; 1-minute load {load_average:.2f}")
        recreate_database(url)
        try:
            return run(env)
        finally:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            drop_database(url)
            say(f"Database {DATABASE} dropped")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.stderr.write(f"metering benchmark failed: {error}\n")
        sys.exit(1)
