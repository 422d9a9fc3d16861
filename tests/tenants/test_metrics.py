"""/metrics (issue 25 point 5): only a scraper with the token or a platform admin reads it; it
times requests by route and status, tasks by name and outcome, and tells the queue, the warm
pool, the cabinets by status, vertical and plan, signups and lifecycle moves — with no path, no
person and no cabinet of its own in any label. Logs carry the request's id and the schema."""

import io
import json
import logging

import pytest
from django.conf import settings as project_settings
from django.http import HttpResponse
from django.test import RequestFactory
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from tenants.logs import (
    REQUEST_ID_HEADER,
    TASK_HEADER,
    ContextFilter,
    RequestIdMiddleware,
    _before_publish,
    request_id,
)
from tenants.models import Tenant, TenantEvent
from tests.control.test_control_panel import make_admin
from tests.support.tasks import record_marker

TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def scrape(platform_client, settings):
    settings.METRICS_TOKEN = TOKEN

    def read() -> dict[str, list]:
        response = platform_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        text = response.content.decode()
        read.text = text
        return {family.name: family.samples for family in text_string_to_metric_families(text)}

    return read


def value(samples, name: str, **labels) -> float:
    return sum(
        s.value for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )  # fmt: skip


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Token {TOKEN}", "Bearer "])
def test_without_the_token_metrics_are_not_there(platform_client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    assert platform_client.get("/metrics", **extra).status_code == 404


def test_no_token_configured_opens_nothing(platform_client, settings):
    settings.METRICS_TOKEN = ""
    assert platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_cabinet_host_has_no_metrics(hotel_client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = hotel_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404


def test_a_platform_admin_with_a_second_factor_reads_them(platform_client, settings):
    settings.METRICS_TOKEN = ""
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    assert platform_client.get("/metrics").status_code == 200


def test_requests_are_timed_by_route_and_status_never_by_path(hotel_client, hotel, scrape):
    before = scrape()["kabinet_http_request_duration_seconds"]
    assert hotel_client.get("/").status_code in (200, 302)
    assert hotel_client.get("/no-such-page/4242/").status_code == 404
    after = scrape()["kabinet_http_request_duration_seconds"]

    def count(samples, **labels):
        return value(samples, "kabinet_http_request_duration_seconds_count", **labels)

    assert count(after, site="cabinet", status="404", route="unmatched") == (
        count(before, site="cabinet", status="404", route="unmatched") + 1
    )
    routes = {s.labels["route"] for s in after if s.labels.get("site") == "cabinet"}
    assert routes - {"unmatched"}  # the home page by its pattern's name
    assert not any("/" in route for route in routes)  # names, never paths
    assert "no-such-page" not in scrape.text  # the path, which a float may well contain digits of
    assert hotel.owner_email not in scrape.text
    assert hotel.schema_name not in {s.labels.get("tenant") for s in after}


def test_tasks_are_timed_by_name_and_failures_counted(hotel, scrape, monkeypatch):
    before = scrape()
    with tenant_context(hotel):
        record_marker.apply(args=["metrics"])
        monkeypatch.setattr("tests.support.tasks.User.objects.get_or_create", _boom)
        record_marker.apply(args=["metrics-fails"])
    after = scrape()
    done = "kabinet_task_duration_seconds_count"
    ran = {"task": "tests.record_marker", "outcome": "success"}
    assert value(after["kabinet_task_duration_seconds"], done, **ran) == (
        value(before["kabinet_task_duration_seconds"], done, **ran) + 1
    )
    failures = "kabinet_task_failures_total"
    assert value(after["kabinet_task_failures"], failures, task="tests.record_marker") == (
        value(before["kabinet_task_failures"], failures, task="tests.record_marker") + 1
    )


def _boom(**_):
    raise RuntimeError("the database is away")


def test_cabinets_by_status_vertical_and_plan_signups_and_moves(hotel, shop, scrape):
    before = scrape()
    Tenant.objects.filter(pk=shop.pk).update(status="suspended")
    TenantEvent.objects.create(tenant=shop, kind=TenantEvent.Kind.STATUS, from_status="active",
                               to_status="suspended")  # fmt: skip
    TenantEvent.objects.create(tenant=hotel, kind=TenantEvent.Kind.PROVISIONED)
    after = scrape()

    tenants = after["kabinet_tenants"]
    assert value(tenants, "kabinet_tenants", status="suspended", vertical="shop") >= 1
    assert all(set(s.labels) == {"status", "vertical", "plan"} for s in tenants)
    assert all(s.labels["plan"] for s in tenants)
    moves = "kabinet_lifecycle_moves_total"
    move = {"from_status": "active", "to_status": "suspended"}
    assert value(after["kabinet_lifecycle_moves"], moves, **move) == (
        value(before["kabinet_lifecycle_moves"], moves, **move) + 1
    )
    signups = "kabinet_signups_total"
    assert value(after["kabinet_signups"], signups, vertical="hotel") == (
        value(before["kabinet_signups"], signups, vertical="hotel") + 1
    )


def test_the_queue_and_the_warm_pool_are_told(scrape, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):  # aggregates, whatever the number of cabinets
        families = scrape()
    assert {s.labels["vertical"] for s in families["kabinet_warm_pool_schemas"]} >= {
        "hotel", "shop", "school"
    }  # fmt: skip
    queue = families["kabinet_queue_messages"]
    assert [s.labels["queue"] for s in queue] == [project_settings.CELERY_TASK_DEFAULT_QUEUE]


# --- Logs ------------------------------------------------------------------------------------


def _json_handler() -> tuple[logging.Handler, io.StringIO]:
    from pythonjsonlogger.json import JsonFormatter

    options = {k: v for k, v in project_settings.LOGGING["formatters"]["json"].items() if k != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(ContextFilter())
    return handler, stream


def test_each_log_line_is_json_with_the_request_id_and_the_schema(hotel):
    handler, stream = _json_handler()
    logger = logging.getLogger("tests.request-log")
    logger.addHandler(handler)

    def view(request):
        logger.warning("заказ принят")
        return HttpResponse("ok")

    outside = request_id.set("")
    try:
        with tenant_context(hotel):
            response = RequestIdMiddleware(view)(RequestFactory().get("/"))
        assert request_id.get() == ""  # nothing left behind for the next request
    finally:
        request_id.reset(outside)
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "заказ принят"
    assert line["tenant"] == hotel.schema_name
    assert line["level"] == "WARNING"
    assert line["request_id"] == response[REQUEST_ID_HEADER]
    assert len(line["request_id"]) == 32


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("proxy-id-1234567", True), ("short", False), ("bad id with spaces!", False),
     ("x" * 65, False)],
)  # fmt: skip
def test_a_proxys_request_id_is_kept_when_it_looks_like_one(sent, kept):
    response = RequestIdMiddleware(lambda request: HttpResponse())(
        RequestFactory().get("/", HTTP_X_REQUEST_ID=sent)
    )
    assert (response[REQUEST_ID_HEADER] == sent) is kept


def test_a_task_runs_with_the_id_of_the_request_that_sent_it_then_lets_go(hotel):
    from celery import signals

    seen = []

    def look(**_):
        seen.append(request_id.get())

    signals.task_prerun.connect(look, weak=False, dispatch_uid="test-look")
    outside = request_id.set("")
    try:
        with tenant_context(hotel):
            record_marker.apply(args=["log-id"], headers={TASK_HEADER: "req-from-web-1"})
        assert request_id.get() == ""
    finally:
        request_id.reset(outside)
        signals.task_prerun.disconnect(dispatch_uid="test-look")
    assert seen == ["req-from-web-1"]


def test_a_task_sent_in_a_request_carries_its_id():
    headers: dict = {}
    token = request_id.set("req-0123456789")
    try:
        _before_publish(headers=headers)
    finally:
        request_id.reset(token)
    assert headers[TASK_HEADER] == "req-0123456789"


def test_production_logs_json_to_stdout():
    console = project_settings.LOGGING["handlers"]["console"]
    assert console["stream"] == "ext://sys.stdout"
    assert console["formatter"] == ("plain" if project_settings.DEBUG else "json")


def test_every_figure_of_the_grafana_dashboard_is_one_we_export(hotel, hotel_client, scrape):
    import re
    from pathlib import Path

    dashboard = (
        Path(__file__).resolve().parents[2] / "docker" / "grafana" / "kabinet-dashboard.json"
    )
    panels = json.loads(dashboard.read_text())["panels"]
    queried = {
        name
        for panel in panels
        for target in panel["targets"]
        for name in re.findall(r"kabinet_[a-z_]+", target["expr"])
    }
    hotel_client.get("/")
    scrape()
    exported = set(re.findall(r"^(kabinet_[a-z_]+)", scrape.text, re.MULTILINE))
    typed = set(re.findall(r"^# TYPE (kabinet_[a-z_]+) ", scrape.text, re.MULTILINE))
    assert len(panels) >= 10
    for name in queried:
        family = re.sub(r"_(bucket|count|sum|total)$", "", name)
        assert name in exported | typed or family in typed, name


def test_a_host_we_do_not_serve_is_counted_apart(client, scrape):
    before = scrape()["kabinet_http_request_duration_seconds"]
    client.get("/", HTTP_HOST="nobody-here.localhost")
    after = scrape()["kabinet_http_request_duration_seconds"]
    name = "kabinet_http_request_duration_seconds_count"
    assert value(after, name, site="none") == value(before, name, site="none") + 1
