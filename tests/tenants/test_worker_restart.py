"""A worker stopped mid-way (Ctrl-C, a deploy) loses nothing that was queued. Its own module: no
other worker may share the queue while it runs."""

import pytest
from django_tenants.utils import tenant_context

from tests.support.tasks import record_marker
from tests.support.worker import WorkerProcess, markers, wait_for

pytestmark = pytest.mark.worker


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
