"""PgBouncer in transaction mode in front of a PostgreSQL server, for `KABINET_POOLER=pgbouncer
make run` and the pooled test (tests/tenants/test_pooler.py). Stdlib only.

Transaction mode gives a server connection to a client for one transaction: many more clients
than PostgreSQL backends. Django then runs with DATABASE_POOLER=transaction, which makes our
database backend (tenants.postgresql_backend) set the search path inside every transaction and
keeps prepared statements and server-side cursors off (README: Running at scale)."""

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEFAULT_PORT = 6432
# Server connections per database and user: PostgreSQL does its best with a few active
# backends per core; more only queue inside it (README: Running at scale, the budget).
DEFAULT_POOL_SIZE = 2 * (os.cpu_count() or 2) + 2
# A pooled server connection serves every cabinet's transactions, and keeps the catalog entries
# of each schema it touched (~0.1 MB each) for as long as it lives: Django's recycling after
# TENANT_SCHEMAS_PER_CONNECTION schemas cannot reach it. PgBouncer closes it once released
# after this many seconds, which bounds it at the schemas it can touch in that time.
SERVER_LIFETIME_SECONDS = 60


def ensure_pgbouncer(log: "callable[[str], None]" = print) -> str | None:  # type: ignore[valid-type]
    """The pgbouncer binary; installed with apt (Debian's package) when missing and we are root."""
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    log("installing pgbouncer with apt (Debian's package) for the pooled test and make run")
    quiet = {
        "stdout": subprocess.DEVNULL,
        "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    }
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "-qq", "pgbouncer"], check=False, **quiet)  # noqa: S607
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


def _server(database_url: str) -> tuple[str, str, str, str]:
    """(host or socket directory, port, user, database) of a DATABASE_URL."""
    parts = urlsplit(database_url)
    path = unquote(parts.path)
    if parts.hostname:
        host, name = parts.hostname, path.lstrip("/")
    else:  # a unix-socket directory in the path: postgres://user@/dir/name?port=N
        host, _, name = path.rpartition("/")
    query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
    port = str(parts.port or query.get("port") or 5432)
    return host, port, unquote(parts.username or "postgres"), name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class PortTaken(RuntimeError):
    pass


class PgBouncer:
    """One pgbouncer process in `folder`, listening on 127.0.0.1:port, in front of the server
    of `database_url` (any database name on it), transaction mode."""

    def __init__(
        self,
        database_url: str,
        folder: Path,
        *,
        port: int | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_client_conn: int = 1000,
    ) -> None:
        self.host, self.server_port, self.user, self.database = _server(database_url)
        self.folder = folder
        self.port = port or free_port()
        self.pool_size = pool_size
        self.max_client_conn = max_client_conn
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str | None = None) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database or self.database}"

    def _run_as(self) -> str | None:
        """pgbouncer refuses to run as root: run it as the owner of the server's socket
        directory (the embedded server's user), else as postgres or nobody."""
        if os.geteuid() != 0:
            return None
        if self.host.startswith("/") and Path(self.host).exists():
            owner = pwd.getpwuid(Path(self.host).stat().st_uid).pw_name
            if owner != "root":
                return owner
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        return None

    def start(self, binary: str) -> "PgBouncer":
        # Another PgBouncer on the port (another checkout's `make run`) would answer our
        # readiness check while ours exits ("nowhere to listen on"), and the application would
        # then talk to that one: to another server, or to one that goes away with its owner.
        if not port_is_free(self.port):
            raise PortTaken(
                f"127.0.0.1:{self.port} is taken (another PgBouncer?): set PGBOUNCER_PORT to a "
                "free port"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "userlist.txt").write_text(f'"{self.user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={self.host} port={self.server_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            f"unix_socket_dir = \n"
            "auth_type = trust\n"
            f"auth_file = {self.folder / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "min_pool_size = 0\n"
            "reserve_pool_size = 0\n"
            f"max_client_conn = {self.max_client_conn}\n"
            # A server connection's catalog caches are given back every minute or so.
            f"server_lifetime = {SERVER_LIFETIME_SECONDS}\n"
            "server_idle_timeout = 60\n"
            # psycopg sends no such parameter, but other clients (psql, pg_dump) may. Prepared
            # statements: Debian 12 ships 1.18, which cannot carry them; Django sends none.
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n"
            f"pidfile = {self.folder / 'pgbouncer.pid'}\n"
        )
        user = self._run_as()
        if user:
            entry = pwd.getpwnam(user)
            for path in [self.folder, *self.folder.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        command = [binary, *(["-u", user] if user else []), str(self.folder / "pgbouncer.ini")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,  # noqa: S603
                                        stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"pgbouncer exited: {error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.3):
                    pass
            except OSError:
                time.sleep(0.1)
                continue
            if self.process.poll() is None and self._listening_is_ours():
                return self
        self.stop()
        raise RuntimeError("pgbouncer did not listen within 10 s")

    def _listening_is_ours(self) -> bool:
        """Whether our process wrote its pid file (it does once it listens), so the answer on
        the port came from it."""
        pidfile = self.folder / "pgbouncer.pid"
        try:
            return int(pidfile.read_text().strip()) == self.process.pid  # type: ignore[union-attr]
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
