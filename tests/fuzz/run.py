"""Fuzz run: schemathesis against the API's own OpenAPI schema, on a running server.

    make fuzz                        (= .venv/bin/python -m tests.fuzz.run)
    FUZZ_EXAMPLES=20 make fuzz       (fewer cases per operation: a quicker look)

The demo cabinets are seeded in a scratch database and gunicorn serves them on 127.0.0.1.
schemathesis then runs every phase (examples, coverage, fuzzing, stateful) with every check
(no 5xx, status codes, content types and bodies as documented, invalid input refused, valid
input accepted, auth not ignored, …) against:

- the hotel cabinet's API as its client (a DRF token),
- the same API as a staff member of that cabinet (an admin-role token, not the owner),
- every other vertical's own endpoints (its `api_paths`, on its demo cabinet) the same two
  ways: its client and an admin of its staff (the common endpoints are the hotel runs' to
  cover),
- the platform host's API (sign-up) with no credentials (PLATFORM_UNCHECKED says what is not
  asked of it, and why).

Every request the server answered is counted from gunicorn's access log, so the count does not
depend on what schemathesis reports. The run fails when schemathesis reports any failure, when
the access log shows a 5xx, or when fewer than FUZZ_MIN_REQUESTS (5,000) requests were made.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.bench.harness import (
    BASE_DIR,
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

DATABASE = os.environ.get("FUZZ_DATABASE", "kabinet_fuzz")  # one per worktree when several run
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
MIN_REQUESTS = int(os.environ.get("FUZZ_MIN_REQUESTS", "5000"))
SEED = os.environ.get("FUZZ_SEED", "20261130")
TENANT = "hotel"
# Sign-up's rules go beyond what JSON Schema can say (reserved and taken addresses; a password
# that is all digits, common, or like the email): a schema-valid sign-up may be refused with 400
# and its reason, so "valid data is accepted" is not asked of the platform's API.
PLATFORM_UNCHECKED = ("--exclude-checks", "positive_data_acceptance")
# Each person on the operations that are theirs (that the others are refused is tested in the
# suite and by make isolation-probe): the cases go into depth, not into 403s.
CLIENT_PATHS = ("--exclude-path-regex", "^/api/v1/staff/")
STAFF_PATHS = ("--include-path-regex", "^/api/v1/(staff/|me/|branding/|$)")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# gunicorn's access log: `<status> <method> <path>` a line.
ACCESS_FORMAT = "%(s)s %(m)s %(U)s"
STATUS_LINE = re.compile(r"^(\d{3}) (\w+) (\S+)$")


def prepare(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The demo cabinets; per cabinet fuzzed, its host, a token for its demo client and one for
    a member of its staff (an admin, not the owner), and the paths of its vertical's own
    endpoints (none for the hotel's, whose runs take every path)."""
    run_step(env, "manage.py", "migrate_schemas", "--shared", "-v", "0")
    run_step(env, "manage.py", "platform_setup")
    run_step(env, "manage.py", "seed_demo", "--published-passwords")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    from cabinet.demo.seed import demo_tenants
    from cabinet.verticals import loaded, verticals
    from rbac.models import StaffProfile, User
    from rbac.roles import role_set
    from rbac.services import client_create
    from tenants.models import Tenant

    paths = {TENANT: {}}
    for vertical in verticals():
        if vertical.api_paths and vertical.demo and loaded(vertical.demo).slug != TENANT:
            paths[loaded(vertical.demo).slug] = vertical.api_paths
    people = {}
    for slug in paths:
        demo = next(d for d in demo_tenants() if d.slug == slug)
        tenant = Tenant.objects.get(slug=slug)
        with tenant_context(tenant):
            client = User.objects.get(email=demo.client_email)
            staff = client_create(email=f"fuzz-staff@{slug}.example.com",
                                  password="fuzz-pass-123456", full_name="Fuzz Staff",
                                  email_verified=True)  # fmt: skip
            staff.is_staff = True
            staff.save(update_fields=["is_staff"])
            role_set(user=staff, role=StaffProfile.Role.ADMIN)
            people[slug] = {
                "host": tenant.domains.get(is_primary=True).domain,
                "client": Token.objects.create(user=client).key,
                "staff": Token.objects.create(user=staff).key,
                "paths": paths[slug],
            }
    connections.close_all()
    return people


def schemathesis(port: int, host: str, token: str | None, report: Path, *extra: str) -> int:
    """One schemathesis run against `host`'s schema; its exit status."""
    command = [
        str(SCHEMATHESIS), "--no-color", "--config-file", str(CONFIG),
        "run", f"http://127.0.0.1:{port}/api/schema/",
        "--header", f"Host: {host}",
        "--checks", "all",
        "--max-examples", str(EXAMPLES),
        "--seed", SEED,
        "--workers", "1",  # hypothesis describing strategies from two threads breaks (3.11 ast)
        "--request-timeout", "30",
        "--report", "junit", "--report-junit-path", str(report),
    ]  # fmt: skip
    if token:
        command += ["--header", f"Authorization: Token {token}"]
    command += extra
    return subprocess.run(command, cwd=BASE_DIR, check=False).returncode


def answered(access_log: Path) -> tuple[Counter[str], list[str]]:
    """The API requests gunicorn answered, by status; and the lines of those that were 5xx."""
    statuses: Counter[str] = Counter()
    server_errors = []
    for line in access_log.read_text(errors="replace").splitlines():
        match = STATUS_LINE.match(line.strip())
        if match and match.group(3).startswith("/api/"):
            statuses[match.group(1)] += 1
            if match.group(1).startswith("5"):
                server_errors.append(line.strip())
    return statuses, server_errors


def main() -> int:
    exit_cleanly_on_sigterm()
    url = server_url(DATABASE)
    reports = BASE_DIR / "test-artifacts" / "fuzz"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kabinet-fuzz-") as data_dir:
        env = bench_env(url, settings_module="config.settings", data_dir=Path(data_dir),
                        DEBUG="false", STRIPE_API_KEY="",
                        # the API's people sign in with a token made here, as make run's demo
                        SIGN_IN_NEW_BROWSER_CODE="false",
                        STAFF_TWO_FACTOR_DEFAULT="false")  # fmt: skip
        say(f"fuzz run: schemathesis, {EXAMPLES} examples per operation, seed {SEED}")
        recreate_database(url)
        try:
            people = prepare(env)
            access_log = Path(data_dir) / "access.log"
            log = Path(data_dir) / "gunicorn.log"
            args = ["--worker-class", "gthread", "--threads", "4", "--access-logfile",
                    str(access_log), "--access-logformat", ACCESS_FORMAT]  # fmt: skip
            with gunicorn(env, log, probe_path="/health/", probe_host="localhost",
                          workers=2, extra_args=args) as port:  # fmt: skip
                started = time.monotonic()
                hotel = people[TENANT]
                runs = [
                    ("client", hotel["host"], hotel["client"], CLIENT_PATHS),
                    ("staff", hotel["host"], hotel["staff"], STAFF_PATHS),
                    ("platform", "localhost", None, PLATFORM_UNCHECKED),
                ]
                for slug in (slug for slug in people if slug != TENANT):
                    for who in ("client", "staff"):
                        only_these = ("--include-path-regex", people[slug]["paths"][who])
                        runs.append((f"{slug}-{who}", people[slug]["host"],
                                     people[slug][who], only_these))  # fmt: skip
                failed = []
                only = os.environ.get("FUZZ_ONLY", "")  # client, staff, platform, shop-client, …
                for name, host, token, extra in runs:
                    if only and name not in only.split(","):
                        continue
                    say(f"\n== {name}: {host} ==")
                    status = schemathesis(port, host, token, reports / f"{name}.xml", *extra)
                    if status != 0:
                        failed.append(name)
                wall = time.monotonic() - started
            statuses, server_errors = answered(access_log)
            errors = "\n".join(
                line for line in log.read_text(errors="replace").splitlines() if "Error" in line
            )
        finally:
            drop_database(url)
    total = sum(statuses.values())
    say(f"\n  {total:,} requests answered in {wall:.0f} s; by status: "
        + ", ".join(f"{code} {n:,}" for code, n in sorted(statuses.items())))  # fmt: skip
    say(f"  schemathesis failures in: {', '.join(failed) or 'none'}; 5xx: {len(server_errors)}")
    for line in server_errors[:20]:
        say(f"    {line}")
    if errors:
        say("  server log:\n" + errors[-4000:])
    clean = not failed and not server_errors and total >= MIN_REQUESTS
    if total < MIN_REQUESTS:
        say(f"  fewer than {MIN_REQUESTS:,} requests: raise FUZZ_EXAMPLES")
    say(f"FUZZ {'CLEAN' if clean else 'FOUND PROBLEMS'}: reports in {reports}")
    return 0 if clean else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.stderr.write(f"fuzz run failed: {error}\n")
        sys.exit(1)
