"""A real Celery worker process for tests, on the suite's database, broker and queue."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from celery import current_app
from django.db import connection
from django_tenants.utils import tenant_context

from config.devstack import database_url as devstack_database_url
from rbac.models import User
from tenants.models import Tenant

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """A URL for the database the tests use right now (pytest-django's test database)."""
    params = connection.settings_dict
    port = params["OPTIONS"].get("port") or params["PORT"]
    return devstack_database_url(
        host=params["HOST"] or "127.0.0.1", port=port, name=params["NAME"], user=params["USER"]
    )


def markers(tenant: Tenant) -> set[str]:
    """The rows tests.support.tasks.record_marker left in a tenant's schema."""
    with tenant_context(tenant):
        emails = User.objects.filter(email__startswith="marker-").values_list("email", flat=True)
        return set(emails)


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class WorkerProcess:
    def __init__(self, log_path: Path, **extra_env: str) -> None:
        self.name = f"test-{uuid.uuid4().hex[:6]}@localhost"
        self.log_path = log_path
        self.extra_env = extra_env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "WorkerProcess":
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_IMPORTS": "tests.support.tasks",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **self.extra_env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
            "--concurrency", "1", "--hostname", self.name, "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_for(self._answers_ping, 30, f"worker {self.name} to answer a ping")
        except BaseException:
            self.kill()  # never leave a worker behind to take the next test's tasks
            raise
        return self

    def _answers_ping(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{self.log()}")
        try:
            return bool(current_app.control.ping(destination=[self.name], timeout=0.5))
        except ValueError:
            # kombu's filesystem transport can read a reply file another process is still
            # writing (an empty body, a JSONDecodeError): not an answer yet, ask again.
            return False

    def stop(self, timeout: float = 30) -> None:
        """Warm shutdown, as Ctrl-C or a deploy would do it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the worker dies wherever it is, as in an out-of-memory kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
