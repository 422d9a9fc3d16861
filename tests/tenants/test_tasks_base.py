import pytest
from django_tenants.utils import tenant_context

from tenants.tasks_base import SCHEMA_HEADER, TenantContextMissing, enqueue_on_commit
from tests.support.tasks import platform_probe, record_marker


def test_a_tenant_task_sent_from_no_tenant_fails_at_once(db):
    with pytest.raises(TenantContextMissing, match="outside any tenant"):
        record_marker.apply_async(args=["x"])


def test_a_tenant_task_arriving_without_a_tenant_refuses_to_run(db):
    # apply() runs the task body here, as a worker would, with the header it was given
    result = record_marker.apply(args=["x"], headers={SCHEMA_HEADER: "public"})
    assert isinstance(result.result, TenantContextMissing)


def test_a_tenant_task_runs_in_the_tenant_it_was_sent_from(hotel):
    with tenant_context(hotel):
        result = record_marker.apply(args=["here"])
    assert result.get() == hotel.schema_name


def test_a_platform_task_always_runs_in_public(hotel):
    with tenant_context(hotel):
        result = platform_probe.apply()
    assert result.get() == "public"


def test_enqueue_waits_for_the_commit_and_keeps_the_tenant(
    hotel, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[dict] = []
    monkeypatch.setattr(
        record_marker, "apply_async", lambda args, kwargs, headers: sent.append(headers)
    )  # no countdown given: none is passed on
    with django_capture_on_commit_callbacks(execute=False) as callbacks, tenant_context(hotel):
        enqueue_on_commit(record_marker, "later")
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [{SCHEMA_HEADER: hotel.schema_name}]


def test_a_platform_task_reaches_each_serving_tenant_at_a_stable_offset(hotel, shop, monkeypatch):
    from tenants.models import Tenant
    from tenants.tasks_base import send_to_each_tenant

    Tenant.objects.filter(pk=shop.pk).update(status="suspended")
    sent: list[dict] = []
    monkeypatch.setattr(record_marker, "apply_async", lambda **options: sent.append(options))
    send_to_each_tenant(record_marker)
    reached = {o["headers"][SCHEMA_HEADER]: o["countdown"] for o in sent}
    assert hotel.schema_name in reached
    assert shop.schema_name not in reached  # suspended: not serving
    assert "public" not in reached
    assert all(0 <= offset < 600 for offset in reached.values())
    sent.clear()
    send_to_each_tenant(record_marker, serving_only=False)
    again = {o["headers"][SCHEMA_HEADER]: o["countdown"] for o in sent}
    assert shop.schema_name in again
    assert again[hotel.schema_name] == reached[hotel.schema_name]  # the same second each time
