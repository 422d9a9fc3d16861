"""What an operator scrapes: /metrics on the platform's host, in Prometheus's text format.

Who may read it: a scraper that sends `Authorization: Bearer <METRICS_TOKEN>`, or a platform
admin signed in on the platform's host (the same rule as /health/'s details). Anyone else gets a
404, as if there were nothing there.

What it says, with no personal data and no label per tenant (a thousand cabinets would be a
thousand series per figure; they are aggregated by plan, vertical and status instead):

- kabinet_http_request_duration_seconds{site, route, method, status}: every request's latency,
  by the URL pattern's name (never the path, which carries slugs and ids) and its status code;
  `site` is "platform", "cabinet" or "none" (a host we do not serve).
- kabinet_task_duration_seconds{task, outcome} and kabinet_task_failures_total{task}: each Celery
  task's run time and its failures (retries are counted as outcome "retry").
- kabinet_queue_messages{queue}: messages waiting in the broker's queue.
- kabinet_warm_pool_schemas{vertical, state}: spare schemas ready (or stale) for signups.
- kabinet_tenants{status, vertical, plan}: cabinets by lifecycle status, vertical and plan.
- kabinet_signups_total{vertical} and kabinet_lifecycle_moves_total{from_status, to_status}: from
  the platform's audit trail (TenantEvent), so they are the same whichever process is asked and
  survive restarts.

Processes: gunicorn runs several workers and Celery several children; each keeps its own
figures. With PROMETHEUS_MULTIPROC_DIR set (a folder every process of the host writes to, emptied
before they start: the compose file's `release` step does it), prometheus_client's multiprocess
mode adds them up; without it (one process, `make run`) each process answers for itself.
"""

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from tenants import signing

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0)

REQUEST_LATENCY = Histogram(
    "kabinet_http_request_duration_seconds",
    "Time to answer a request, by URL pattern name and status code.",
    ["site", "route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
TASK_LATENCY = Histogram(
    "kabinet_task_duration_seconds",
    "Time a Celery task ran, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
    buckets=TASK_BUCKETS,
)
TASK_FAILURES = Counter(
    "kabinet_task_failures_total", "Celery tasks that raised (retries excluded).", ["task"]
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


# --- Requests --------------------------------------------------------------------------------


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name ("cabinet:orders"), its route when it has none, or "unmatched"."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestMetricsMiddleware:
    """Times every request (placed first, it also times the other middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)  # set by the routing; none for an unknown host
        site = "none" if tenant is None else "platform" if tenant.is_public else "cabinet"
        REQUEST_LATENCY.labels(
            site=site,
            route=route_of(request),
            method=request.method if request.method in METHODS else "other",
            status=str(response.status_code),
        ).observe(time.perf_counter() - started)
        return response


# --- Celery tasks ----------------------------------------------------------------------------

_task_started: dict[str, float] = {}
OUTCOMES = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}


def _task_prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def _task_postrun(sender: Any = None, task_id: str | None = None, state: str | None = None,
                  **_: Any) -> None:  # fmt: skip
    """Sent after every run, whatever its end: its state says which."""
    started = _task_started.pop(task_id or "", None)
    name = getattr(sender, "name", None) or "unknown"
    outcome = OUTCOMES.get(state or "", "other")
    if outcome == "failure":
        TASK_FAILURES.labels(task=name).inc()
    if started is not None:
        TASK_LATENCY.labels(task=name, outcome=outcome).observe(time.perf_counter() - started)


def _child_exit(pid: int | None = None, **_: Any) -> None:
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid or os.getpid())


def connect_task_signals() -> None:
    """Called once at start-up (tenants.apps): record every task's run time and failures."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="metrics-prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="metrics-postrun")
    signals.worker_process_shutdown.connect(_child_exit, weak=False, dispatch_uid="metrics-exit")


# --- Figures read at scrape time -------------------------------------------------------------


class PlatformCollector(Collector):
    """The queue, the warm pool and the cabinets, read from the broker and the database when
    scraped (a few aggregate queries in `public`)."""

    def collect(self) -> Iterator[Any]:
        yield from self._queue()
        yield from self._pool()
        yield from self._tenants()
        yield from self._events()

    def _queue(self) -> Iterator[Any]:
        from celery import current_app

        from tenants.health import queue_length

        waiting = queue_length()
        family = GaugeMetricFamily(
            "kabinet_queue_messages", "Messages waiting in the broker's queue.", labels=["queue"]
        )
        if waiting is not None:
            family.add_metric([current_app.conf.task_default_queue], waiting)
        yield family

    def _pool(self) -> Iterator[Any]:
        from tenants.pool import pool_status

        family = GaugeMetricFamily(
            "kabinet_warm_pool_schemas",
            "Spare schemas in the warm pool, by vertical; stale ones wait to be replaced.",
            labels=["vertical", "state"],
        )
        for vertical, counts in pool_status().items():
            for state, count in counts.items():
                family.add_metric([vertical, state], count)
        yield family

    def _tenants(self) -> Iterator[Any]:
        from django.apps import apps
        from django.db.models import Case, F, Value, When

        from tenants.models import Tenant

        # billing sits above tenants: its models by name, as the ORM's joins already do
        plan_model = apps.get_model("billing", "Plan")
        default = plan_model.objects.filter(is_default=True).values_list("name", flat=True).first()
        rows = (
            Tenant.objects.exclude(schema_name="public")
            .annotate(
                plan=Case(
                    When(
                        subscription__status__in=("trialing", "active", "past_due"),
                        then=F("subscription__plan__name"),
                    ),
                    default=Value(default or "none"),
                )
            )
            .values("status", "vertical", "plan")
            .annotate(count=Count("pk"))
            .order_by()
        )
        family = GaugeMetricFamily(
            "kabinet_tenants",
            "Cabinets by lifecycle status, vertical and plan.",
            labels=["status", "vertical", "plan"],
        )
        for row in rows:
            family.add_metric([row["status"], row["vertical"] or "none", row["plan"]], row["count"])
        yield family

    def _events(self) -> Iterator[Any]:
        from tenants.models import TenantEvent

        signups = CounterMetricFamily(
            "kabinet_signups", "Cabinets provisioned, by vertical.", labels=["vertical"]
        )
        rows = (
            TenantEvent.objects.filter(kind=TenantEvent.Kind.PROVISIONED)
            .values("tenant__vertical")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for row in rows:
            signups.add_metric([row["tenant__vertical"] or "none"], row["count"])
        yield signups
        moves = CounterMetricFamily(
            "kabinet_lifecycle_moves",
            "Cabinets moved from one lifecycle status to another.",
            labels=["from_status", "to_status"],
        )
        rows = (
            TenantEvent.objects.filter(kind=TenantEvent.Kind.STATUS)
            .values("from_status", "to_status")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for row in rows:
            moves.add_metric([row["from_status"], row["to_status"]], row["count"])
        yield moves


def exposition() -> bytes:
    """Every process's figures (added up in multiprocess mode) and the platform's."""
    platform = CollectorRegistry()
    platform.register(PlatformCollector())
    if multiprocess_dir():
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + generate_latest(platform)


def may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    if token and sent.startswith("Bearer ") and signing.same(sent.removeprefix("Bearer "), token):
        return True
    from tenants.second_factor import is_platform_admin

    return is_platform_admin(request)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
