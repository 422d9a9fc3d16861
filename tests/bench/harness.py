"""What the benchmark drivers share: output, the database server, Django subprocesses, gunicorn.

Free of Django imports (config.devstack and psycopg are imported lazily), so a driver process stays
a plain client of the servers it starts. Only 127.0.0.1 (or the embedded server's unix socket) is
ever contacted.
"""

import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from tests.bench.loadgen import LOCALHOST

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
POSTGRES_PORT = 5432
# A busy machine may need longer for the first migrations: BENCH_SETUP_TIMEOUT seconds.
SETUP_TIMEOUT_SECONDS = int(os.environ.get("BENCH_SETUP_TIMEOUT", "120"))
SERVER_START_TIMEOUT_SECONDS = 30


class BenchError(RuntimeError):
    pass


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def raise_system_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` blocks that stop servers


def exit_cleanly_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, raise_system_exit)


def quantile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile, interpolated between the nearest samples (pXX of few samples)."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) == 1:
        return samples[0]
    cut_points = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return cut_points[round(fraction * 100) - 1]


# --- The database server ------------------------------------------------------------------------


def port_is_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def with_database(url: str, name: str) -> str:
    """The same server, another database: only the last path segment changes, so a unix-socket
    directory in the path (`postgres://user@//run/postgresql/kabinet`) is kept."""
    parts = urlsplit(url)
    directory = parts.path.rsplit("/", 1)[0] if "/" in parts.path else ""
    return urlunsplit(parts._replace(path=f"{directory}/{name}"))


def server_url(database: str, *, honour_database_url_name: bool = False) -> str:
    """A URL for `database` on the bench's server: DATABASE_URL's server when set (its own
    database name too when `honour_database_url_name`); else 127.0.0.1:5432 when something listens
    there; else the embedded PostgreSQL of `make run` (config.devstack)."""
    from config.devstack import start_embedded_postgres

    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url if honour_database_url_name else with_database(url, database)
    if port_is_open(LOCALHOST, POSTGRES_PORT):
        return f"postgres://postgres@{LOCALHOST}:{POSTGRES_PORT}/{database}"
    return with_database(start_embedded_postgres(), database)


def database_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def _maintenance_execute(url: str, statement: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) from the server's `postgres` database."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    params = {
        "host": config["HOST"] or None,
        "port": config.get("OPTIONS", {}).get("port") or config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        conn.execute(statement)


def drop_database(url: str) -> None:
    """Drop the URL's database, closing whatever is still connected to it (PostgreSQL 13+)."""
    from psycopg import sql

    name = sql.Identifier(database_name(url)).as_string()
    _maintenance_execute(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def recreate_database(url: str) -> None:
    from psycopg import sql

    drop_database(url)
    _maintenance_execute(url, f"CREATE DATABASE {sql.Identifier(database_name(url)).as_string()}")


def ensure_database(url: str) -> None:
    from config.devstack import ensure_database as devstack_ensure_database

    devstack_ensure_database(url)


# --- Django-side subprocesses ---------------------------------------------------------------------


def bench_env(
    database_url: str, *, settings_module: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of every process a benchmark starts: its database, settings and a data
    directory (file cache, filesystem broker, media) apart from `make run`'s."""
    env = dict(os.environ)
    env.pop("SENTRY_DSN", None)  # no tracing overhead, and nothing leaves the machine
    # With DEBUG off a server wants production settings (config/production.py): a key of its
    # own, named hosts, HSTS (sent only over HTTPS, so inert on these plain-HTTP servers).
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1")
    env.setdefault("SECURE_HSTS_SECONDS", "31536000")
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=settings_module,
        KABINET_DATA_DIR=str(data_dir),
        PLATFORM_DOMAIN="localhost",  # tenants live at <slug>.localhost
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def run_step(env: dict[str, str], *args: str, timeout: float = SETUP_TIMEOUT_SECONDS) -> None:
    started = time.monotonic()
    try:
        subprocess.run(
            [PYTHON, *args],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.CalledProcessError as exc:
        raise BenchError(
            f"{' '.join(args)} failed with status {exc.returncode}:\n{exc.stdout}{exc.stderr}"
        ) from exc
    say(f"  {' '.join(args)}: {time.monotonic() - started:.1f} s")


# --- The server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, host: str, timeout: float = 5) -> tuple[int, bytes]:
    client = http.client.HTTPConnection(LOCALHOST, port, timeout=timeout)
    try:
        client.request("GET", path, headers={"Host": host})
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the leader (gunicorn's master stops its workers); SIGKILL its process group if it
    is slow. The group was made by start_new_session, so it holds only what we started."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def wait_until_serving(
    server: subprocess.Popen[bytes], port: int, log_path: Path, *, path: str, host: str
) -> None:
    """Until the server answers anything at all on `path` (any status means it serves)."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}:\n{tail(log_path)}")
        try:
            get(port, path, host)
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {SERVER_START_TIMEOUT_SECONDS} s")


@contextmanager
def gunicorn(
    env: dict[str, str],
    log_path: Path,
    *,
    probe_path: str,
    probe_host: str,
    workers: int = 2,
    extra_args: Sequence[str] = (),
) -> Iterator[int]:
    """gunicorn (sync workers) on a free port of 127.0.0.1, in its own process group; stopped on
    the way out whatever happens. Yields the port."""
    port = free_port()
    command = [
        PYTHON, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"{LOCALHOST}:{port}",
        "--workers", str(workers), "--worker-class", "sync",
        "--backlog", "2048", "--graceful-timeout", "5", "--log-level", "warning",
        *extra_args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=log, start_new_session=True
        )
    try:
        wait_until_serving(server, port, log_path, path=probe_path, host=probe_host)
        yield port
    finally:
        stop_process_group(server)
        say(f"server stopped (exit status {server.returncode})")
