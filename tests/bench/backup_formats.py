"""One cabinet's backup, format 1 (pg_dump) against format 2 (COPY), in a database holding many
schemas; and a format-2 restore. Not part of the test suite; run it by hand, niced:

    nice -n 19 env DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_backup2_bench \\
        .venv/bin/python -m tests.bench.backup_formats fill 300
    nice -n 19 env DATABASE_URL=... .venv/bin/python -m tests.bench.backup_formats measure

`fill N` (after `migrate_schemas --shared` and `platform_setup`) clones the hotel template into
bench_NNNN schemas until N exist (weight in the catalog, like cabinets) and provisions the one
cabinet measured, `bench-measured`, with a few clients; `measure` backs it up three times in
each format and restores the last format-2 archive over it.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from tenants.backup import tenant_backup, tenant_restore  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.schema_templates import clone_template  # noqa: E402
from tenants.services import OwnerSpec, tenant_provision  # noqa: E402

SLUG = "bench-measured"


def say(line: str, flush: bool = True) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fill(count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'bench\\_%%'")
        (have,) = cursor.fetchone()
    for number in range(have, count):
        started = time.monotonic()
        with transaction.atomic():
            clone_template(f"bench_{number:04d}", vertical="hotel")
        say(f"bench_{number:04d} {time.monotonic() - started:.2f} s", flush=True)
    if not Tenant.objects.filter(slug=SLUG).exists():
        tenant = tenant_provision(
            slug=SLUG,
            name="Bench",
            vertical="hotel",
            owner=OwnerSpec(email="owner@bench.example.com", password="x" * 16),
        )
        from cabinet.accounts.models import ClientProfile
        from rbac.models import User

        with tenant_context(tenant):
            for n in range(50):
                user = User.objects.create(email=f"client{n}@bench.example.com")
                ClientProfile.objects.create(user=user)


def measure() -> None:
    tenant = Tenant.objects.get(slug=SLUG)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        (schemas,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_class")
        (relations,) = cursor.fetchone()
    say(f"{schemas} schemas, {relations} pg_class rows")
    with tempfile.TemporaryDirectory() as scratch:
        archives = {}
        for archive_format in (1, 2, 1, 2, 1, 2):
            folder = Path(scratch) / f"f{archive_format}-{time.monotonic_ns()}"
            started = time.monotonic()
            archive = tenant_backup(tenant, folder=folder, archive_format=archive_format)
            took = time.monotonic() - started
            size = archive.stat().st_size
            say(f"backup format {archive_format}: {took:.2f} s, {size / 1024:.0f} KiB")
            archives[archive_format] = archive
        for archive_format in (2, 1, 2, 1):
            started = time.monotonic()
            tenant = tenant_restore(archives[archive_format])
            took = time.monotonic() - started
            say(f"restore format {archive_format} (over the live cabinet): {took:.2f} s")


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(int(sys.argv[2]))
    else:
        measure()
