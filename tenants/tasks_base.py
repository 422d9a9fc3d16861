"""The task base class every Kabinet task uses, and how tasks are enqueued.

A task runs inside the tenant it was sent from: the `_schema_name` header carries the sender's
schema (tenant_schemas_celery) and the worker switches to it before the task runs. A task sent
from no tenant — the `public` schema — fails closed, at sending and again in the worker, unless
it is declared platform-level (`@app.task(platform_level=True)`), in which case it always runs
in `public`.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from celery import Task
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.app import get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

SCHEMA_HEADER = "_schema_name"


class TenantContextMissing(RuntimeError):
    """A tenant task was sent, or arrived, without a tenant."""


class TenantAwareTask(TenantTask):
    abstract = True
    platform_level = False

    def _headers_with_tenant(self, headers: dict[str, Any] | None) -> dict[str, Any]:
        headers = dict(headers or {})
        public = get_public_schema_name()
        if self.platform_level:
            headers[SCHEMA_HEADER] = public
            return headers
        schema = headers.get(SCHEMA_HEADER) or connection.schema_name
        if not schema or schema == public:
            raise TenantContextMissing(
                f"{self.name} is a tenant task but was sent outside any tenant. Send it "
                "inside tenant_context(...), or declare it platform_level=True."
            )
        headers[SCHEMA_HEADER] = schema
        return headers

    def apply_async(
        self, args: Any = None, kwargs: Any = None, task_id: str | None = None, **options: Any
    ) -> Any:
        options["headers"] = self._headers_with_tenant(options.get("headers"))
        due = _due_at(options)
        if due is not None and not self.app.conf.task_always_eager:
            return _defer(self, args, kwargs, task_id=task_id, due=due, options=options)
        return super().apply_async(args, kwargs, task_id=task_id, **options)

    def apply(self, args: Any = None, kwargs: Any = None, *rest: Any, **options: Any) -> Any:
        """Run here and now (tests, eager mode) with the same tenant rules as a worker."""
        if self.platform_level:
            options["headers"] = self._headers_with_tenant(options.get("headers"))
        return super().apply(args, kwargs, *rest, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.platform_level:
            schema = get_schema_name_from_task(self, kwargs)
            if not schema or schema == get_public_schema_name():
                raise TenantContextMissing(
                    f"{self.name} arrived without a tenant (schema {schema!r}); refusing to run "
                    "it in the public schema."
                )
        return super().__call__(*args, **kwargs)


# A wait longer than this is kept in the database (DeferredTask), not held by the broker.
DEFER_BEYOND_SECONDS = 30
# What a deferred task keeps of its sending options (all JSON): enough to send it as it was
# meant to be sent, its retry count included.
KEPT_OPTIONS = ("task_id", "root_id", "parent_id", "retries", "headers", "time_limit",
                "soft_time_limit", "queue", "priority", "shadow")  # fmt: skip


def _due_at(options: dict[str, Any]) -> dt.datetime | None:
    """When a task sent with these options is due, if that is further away than
    DEFER_BEYOND_SECONDS; else None (the broker holds short waits)."""
    now = timezone.now()
    eta, countdown = options.get("eta"), options.get("countdown")
    if isinstance(eta, str):
        eta = dt.datetime.fromisoformat(eta)
    if eta is not None and timezone.is_naive(eta):
        eta = timezone.make_aware(eta, dt.UTC)
    due = eta or (now + dt.timedelta(seconds=float(countdown)) if countdown else None)
    if due is None or (due - now).total_seconds() <= DEFER_BEYOND_SECONDS:
        return None
    return due


def _defer(task: Task, args: Any, kwargs: Any, *, task_id: str | None, due: dt.datetime,
           options: dict[str, Any]) -> Any:  # fmt: skip
    from celery.utils import uuid

    from tenants.models import DeferredTask

    task_id = task_id or options.get("task_id") or uuid()
    kept = {key: options[key] for key in KEPT_OPTIONS if options.get(key) is not None}
    kept["task_id"] = task_id
    DeferredTask.objects.create(due_at=due, task_name=task.name, args=list(args or ()),
                                kwargs=dict(kwargs or {}), options=kept)  # fmt: skip
    return task.AsyncResult(task_id)


def task_named(name: str) -> Task:
    """The registered task called `name`. A service sends its tasks by name, so that tasks
    import services and never the reverse (each app's `ready()` imports its tasks module)."""
    from celery import current_app

    return current_app.tasks[name]


def enqueue_on_commit(
    task: Task, *args: Any, countdown_seconds: int | None = None, **kwargs: Any
) -> None:
    """Send `task` once the current transaction commits, in the tenant that is current now
    (after `countdown_seconds` when given)."""
    schema = connection.schema_name

    def send() -> None:
        options: dict[str, Any] = {"headers": {SCHEMA_HEADER: schema}}
        if countdown_seconds:
            options["countdown"] = countdown_seconds
        task.apply_async(args=args, kwargs=kwargs, **options)

    transaction.on_commit(send)


FAN_OUT_SPREAD_SECONDS = 600
NOT_SERVING = ("suspended", "archived", "purged")


# Nightly work (backups, expiring points, gauges, purges) runs at this hour of each cabinet's own
# clock, when its people sleep: beat calls the `…_everywhere` task hourly, on a crontab, and each
# call reaches the cabinets whose local time is now NIGHT_HOUR:xx — once a day: most zones change
# their clocks at 00:00–02:00 local (or 02:00→03:00), which leaves 03:xx to come exactly once.
NIGHT_HOUR = 3


def schemas_at_local_hour(schemas: Iterable[tuple[str, str]], *, hour: int,
                          now: dt.datetime | None = None) -> set[str]:  # fmt: skip
    """Of (schema, time zone) pairs, the schemas whose local time is `hour`:xx at `now`."""
    from tenants.models import zone_or_utc

    now = now or timezone.now()
    hours: dict[str, int] = {}
    chosen = set()
    for schema, zone in schemas:
        if zone not in hours:
            hours[zone] = now.astimezone(zone_or_utc(zone)).hour
        if hours[zone] == hour:
            chosen.add(schema)
    return chosen


def send_to_each_tenant(task: Task, *, serving_only: bool = True, at_local_hour: int | None = None,
                        now: dt.datetime | None = None) -> int:  # fmt: skip
    """From a platform task: send `task` into every tenant (those serving clients only, unless
    told otherwise; with `at_local_hour`, only those whose own clock shows that hour now), each
    at its own stable offset within ten minutes, so that a thousand cabinets never start in the
    same second. The number of tenants it was sent to."""
    import zlib

    from tenants.models import Tenant

    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
    if serving_only:
        tenants = tenants.exclude(status__in=NOT_SERVING)
    schemas = list(tenants.values_list("schema_name", "time_zone").order_by("pk"))
    if at_local_hour is not None:
        chosen = schemas_at_local_hour(schemas, hour=at_local_hour, now=now)
        schemas = [(schema, zone) for schema, zone in schemas if schema in chosen]
    for schema, _zone in schemas:
        offset = zlib.crc32(schema.encode()) % FAN_OUT_SPREAD_SECONDS
        task.apply_async(headers={SCHEMA_HEADER: schema}, countdown=offset)
    return len(schemas)
