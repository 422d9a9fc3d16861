"""Billing's public usage interface: the apps above report metered use here.

    from billing import usage

    with transaction.atomic():
        order = Order.objects.create(...)
        usage.record("orders", idempotency_key=f"order:{order.pk}")

The event lands in the usage ledger (`billing.UsageEvent`, in `public`) inside the caller's
transaction, so it exists exactly when the business event committed; a later task sends the
ledger to Stripe. Nothing here talks to the network.
"""

import datetime as dt
import weakref

import psycopg
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from billing.models import GAUGE_METRICS, MeterBatch, Metric, Subscription, UsageEvent
from billing.tenancy import billed_tenant
from tenants.models import Tenant

MAX_QUANTITY = 1_000_000
MAX_KEY_LENGTH = UsageEvent._meta.get_field("idempotency_key").max_length


_METRICS = frozenset(Metric.values)


def validate_metric(metric: str) -> Metric:
    if metric not in _METRICS:
        raise ValueError(f"unknown usage metric {metric!r}; known: {', '.join(Metric.values)}")
    return Metric(metric)


def record(
    metric: str,
    quantity: int = 1,
    *,
    idempotency_key: str,
    tenant: Tenant | None = None,
) -> bool:
    """Record `quantity` units of `metric` used by the current tenant (or `tenant`, which a
    caller in the `public` schema must name). Returns True when recorded, False when an event
    with the same tenant, metric and idempotency key already exists (then nothing is written
    and nothing is raised — the caller's transaction stays usable).

    The row is written on the caller's connection, so inside the caller's transaction: roll
    that back and the event is gone with it. Outside any transaction it commits at once.

    Bad input (an unknown metric, a quantity that is not an int in 1..1,000,000, an empty or
    over-long key) raises ValueError and writes nothing.

    Concurrency: the ledger is append-only — no row is ever read-modify-written — so any number
    of concurrent calls are safe. Two concurrent calls with the same key meet in the unique
    index: `INSERT … ON CONFLICT DO NOTHING` makes the second wait for the first transaction and
    then write nothing (or write, if the first rolled back), without an error or a savepoint.
    """
    metric = validate_metric(metric)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValueError(f"usage quantity must be an int, not {type(quantity).__name__}")
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValueError(f"usage quantity must be between 1 and {MAX_QUANTITY}, not {quantity}")
    if not isinstance(idempotency_key, str) or not idempotency_key:
        raise ValueError("usage needs a non-empty idempotency key")
    if len(idempotency_key) > MAX_KEY_LENGTH:
        raise ValueError(f"usage idempotency key is longer than {MAX_KEY_LENGTH} characters")
    tenant = billed_tenant(tenant)
    return _insert_once(
        tenant_id=tenant.pk,
        metric=metric.value,
        quantity=quantity,
        idempotency_key=idempotency_key,
        occurred_at=timezone.now(),
    )


def _insert_sql() -> str:
    opts = UsageEvent._meta
    qn = connection.ops.quote_name
    columns = [
        opts.get_field(name).column
        for name in ("tenant", "metric", "quantity", "idempotency_key", "occurred_at")
    ]
    conflict = [opts.get_field(name).column for name in ("tenant", "metric", "idempotency_key")]
    # Schema-qualified: the ledger lives in `public` whatever the connection's search_path.
    table = f"{qn(get_public_schema_name())}.{qn(opts.db_table)}"
    return (
        f"INSERT INTO {table} ({', '.join(map(qn, columns))}) "  # noqa: S608 (names from the model)
        f"VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT ({', '.join(map(qn, conflict))}) DO NOTHING "
        f"RETURNING {qn(opts.pk.column)}"
    )


_INSERT_SQL = _insert_sql()


def _insert_once(
    *, tenant_id: int, metric: str, quantity: int, idempotency_key: str, occurred_at: dt.datetime
) -> bool:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING: it tells whether a row was written, which
    `bulk_create(ignore_conflicts=True)` cannot, and it needs no savepoint.

    The statement runs on the caller's connection (so in its transaction) through a psycopg
    cursor with server-side binding: psycopg prepares it after a few executions (the
    connection's `prepare_threshold`; set it to None in DATABASES OPTIONS behind a pooler that
    cannot keep prepared statements), so the server stops parsing and planning the hottest
    statement of the platform; the cursor itself is reused (below). Django's wrapper is kept,
    so query logging, `assertNumQueries` and Sentry's tracing still see the statement.
    Not `connection.cursor()`: that one binds on the client and, on a tenant connection, may
    first issue `SET search_path`, which this table (named with its schema) does not need.
    `make bench-metering` measures the difference.
    """
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    cursor = _cursors.get(raw)
    if cursor is None or cursor.closed:
        cursor = _cursors[raw] = psycopg.Cursor(raw)
    wrapped = connection._prepare_cursor(cursor)
    wrapped.execute(_INSERT_SQL, [tenant_id, metric, quantity, idempotency_key, occurred_at])
    return wrapped.fetchone() is not None


# One psycopg cursor per database connection, kept for the connection's life (it dies with it):
# making a cursor costs more than the insert's own Python work.
_cursors: weakref.WeakKeyDictionary[psycopg.Connection, psycopg.Cursor] = (
    weakref.WeakKeyDictionary()
)


def gauge_report(
    metric: str, level: int, *, tenant: Tenant | None = None, now: dt.datetime | None = None
) -> bool:
    """Report a gauge's level (clients, staff seats, storage in MB) for today: Stripe bills the
    billing period's last reading beyond the plan's quota. One reading per tenant, gauge and
    day (UTC): a second report the same day changes nothing and returns False, as does a
    tenant without a Stripe customer (nothing to bill). The next flush sends it."""
    metric = validate_metric(metric)
    if metric not in GAUGE_METRICS:
        raise ValueError(f"{metric} is not a gauge; record() counts it")
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_QUANTITY:
        raise ValueError(f"a gauge level must be an int between 0 and {MAX_QUANTITY}")
    tenant = billed_tenant(tenant)
    customer = (
        Subscription.objects.filter(tenant_id=tenant.pk)
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if customer is None:
        return False
    now = now or timezone.now()
    _batch, created = MeterBatch.objects.get_or_create(
        identifier=f"kabinet-{tenant.pk}-{metric}-{now.astimezone(dt.UTC):%Y-%m-%d}",
        defaults={
            "tenant_id": tenant.pk,
            "metric": metric.value,
            "quantity": level,
            "customer_id": customer,
            "occurred_at": now,
            "created_at": now,
        },
    )
    return created


def month_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month (UTC) containing `now`: [start, end)."""
    start = now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def period_usage(
    metric: str, *, tenant: Tenant | None = None, now: dt.datetime | None = None
) -> int:
    """Units of `metric` the tenant recorded in the current calendar month (UTC)."""
    metric = validate_metric(metric)
    if now is not None and timezone.is_naive(now):
        raise ValueError("period_usage needs a timezone-aware `now`")
    tenant = billed_tenant(tenant)
    start, end = month_bounds(now or timezone.now())
    return UsageEvent.objects.filter(
        tenant_id=tenant.pk, metric=metric, occurred_at__gte=start, occurred_at__lt=end
    ).aggregate(total=Coalesce(Sum("quantity"), 0))["total"]
