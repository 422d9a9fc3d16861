"""Celery with a real worker process: the tenant travels with the task, a task without a tenant
is refused, and a worker stopped mid-way loses nothing that was queued."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import User
from tenants.models import Tenant
from tests.conftest import host_of
from tests.support.tasks import record_marker
from tests.support.worker import WorkerProcess, wait_for

pytestmark = pytest.mark.worker


@pytest.fixture
def worker(committed_tenant: Tenant, tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path / "worker.log").start()
    yield process
    process.stop()


def markers(tenant: Tenant) -> set[str]:
    with tenant_context(tenant):
        return set(User.objects.filter(email__startswith="marker-").values_list("email", flat=True))


def test_a_task_runs_in_the_schema_it_was_sent_from(committed_tenant, worker):
    with tenant_context(committed_tenant):
        record_marker.apply_async(args=["one"])
    wait_for(lambda: markers(committed_tenant), 20, "the task to run")
    assert markers(committed_tenant) == {"marker-one@example.com"}
    assert not User.objects.filter(email__startswith="marker-").exists()  # nothing in public


def test_a_task_sent_without_a_tenant_is_refused_by_the_worker(committed_tenant, worker):
    # a producer that bypasses our task class still cannot make a tenant task run in public
    current_app.send_task("tests.record_marker", args=["stray"])
    wait_for(lambda: "arrived without a tenant" in worker.log(), 20, "the refusal")
    assert not User.objects.filter(email="marker-stray@example.com").exists()


def test_health_is_ok_while_a_worker_runs(committed_tenant, worker):
    response = Client(HTTP_HOST=host_of(committed_tenant)).get("/health/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"


def test_stopping_the_worker_midway_loses_no_queued_task(committed_tenant, tmp_path):
    labels = [f"q{i}" for i in range(6)]
    first = WorkerProcess(tmp_path / "first.log").start()
    with tenant_context(committed_tenant):
        for label in labels:
            record_marker.apply_async(args=[label, 0.5])
    wait_for(lambda: markers(committed_tenant), 20, "the first task to finish")
    first.stop()
    done_before_restart = len(markers(committed_tenant))
    assert done_before_restart < len(labels), "the worker finished everything before the stop"

    second = WorkerProcess(tmp_path / "second.log").start()
    try:
        wait_for(lambda: len(markers(committed_tenant)) == len(labels), 30, "the rest to run")
    finally:
        second.stop()
    assert markers(committed_tenant) == {f"marker-{label}@example.com" for label in labels}
