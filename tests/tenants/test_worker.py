"""Celery with a real worker process: the tenant travels with the task, a task without a tenant
is refused, and a worker stopped mid-way loses nothing that was queued."""

from collections.abc import Iterator

import pytest
from celery import current_app
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import User
from tenants.models import Tenant
from tests.conftest import host_of
from tests.support.tasks import record_marker
from tests.support.worker import WorkerProcess, markers, wait_for

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def worker(
    module_tenant: Tenant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path_factory.mktemp("worker") / "worker.log").start()
    yield process
    process.stop()


def test_a_task_runs_in_the_schema_it_was_sent_from(module_tenant, worker):
    with tenant_context(module_tenant):
        record_marker.apply_async(args=["one"])
    wait_for(lambda: markers(module_tenant), 60, "the task to run")  # a cold worker
    assert markers(module_tenant) == {"marker-one@example.com"}
    assert not User.objects.filter(email__startswith="marker-").exists()  # nothing in public


def test_a_task_sent_without_a_tenant_is_refused_by_the_worker(worker):
    # a producer that bypasses our task class still cannot make a tenant task run in public
    current_app.send_task("tests.record_marker", args=["stray"])
    wait_for(lambda: "arrived without a tenant" in worker.log(), 20, "the refusal")
    assert not User.objects.filter(email="marker-stray@example.com").exists()


def test_health_is_ok_while_a_worker_runs(module_tenant, worker):
    response = Client(HTTP_HOST=host_of(module_tenant)).get("/health/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"
