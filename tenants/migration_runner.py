"""Migrate every tenant schema, cheaply skipping those already up to date.

django-tenants' `migrate_schemas --tenant` builds a MigrationExecutor (reads the migration files'
graph, the schema's django_migrations, checks consistency, runs post-migrate signals) for every
schema, even one with nothing to do. Here the code's tenant migrations are computed once, and each
schema costs one query on its django_migrations table; only a schema that lacks something is
handed to `migrate_schemas` for just that schema.

- Schemas are read in name order, in batches (keyset pagination), so memory stays bounded and a
  run can continue after a given schema (`start_after`). Re-running after an interruption resumes
  by itself: the schemas already done are skipped at the cost of one query each.
- A schema that fails is reported with its error and the run goes on with the others.
- A migration made only of schema changes that reduce to SQL (add/alter/remove a field, an index,
  a constraint, RunSQL; atomic) takes a fast path: its SQL is collected once for the run and
  replayed in each schema inside one transaction together with its django_migrations rows and the
  touched apps' post_migrate signal, instead of building a MigrationExecutor and rendering the
  project state per schema (1–2 s each: hours at 10,000 schemas). Anything else (new models, data
  migrations, non-atomic ones) goes through `migrate_schemas`, schema by schema.
- Schemas are migrated in groups of `per_transaction` (20): one transaction per group, each schema
  in a savepoint of its own, so a group costs one commit (one WAL flush) and one query for its
  django_migrations rows, and a schema that fails is rolled back alone and reported. `workers`
  groups run at once, each on a connection of its own that is closed after its group (a backend
  keeps the catalog entries of every schema it touched). A kill -9 loses at most the groups in
  flight; the next run resumes. A fast-path schema waits at most LOCK_TIMEOUT for a table lock:
  one held by a long transaction fails that schema (reported, retried by the next run) instead of
  stalling the roll-out with every request to that cabinet queued behind its lock.
- Template schemas and spares are not tenants: `tenants.schema_templates.ensure_templates` keeps
  the templates current, `tenants.pool` discards spares built from an older template.
"""

import enum
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial

from django.core.management import call_command
from django.db import connection, transaction
from django.db import migrations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.models import QuerySet
from django.db.models.signals import post_migrate
from django_tenants.utils import get_public_schema_name, quote_schema_name

from tenants.models import Tenant, TenantStatus
from tenants.schema_templates import (
    _tenant_app_labels,
    ensure_templates,
    migration_drift,
    template_is_current,
    template_schema_name,
)
from tenants.verticals import vertical_keys

MigrationKey = tuple[str, str]

DEFAULT_BATCH_SIZE = 500
DEFAULT_PER_TRANSACTION = 20
# Two connections per core at most: the work is the server's (DDL, commits), not Python's.
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
LOCK_TIMEOUT = "5s"


class NotATenantSchema(LookupError):
    pass


class Outcome(enum.StrEnum):
    UP_TO_DATE = "up to date"
    MIGRATED = "migrated"
    WOULD_MIGRATE = "would migrate"
    FAILED = "failed"


@dataclass(frozen=True)
class SchemaResult:
    """What happened to one schema; `position` counts from 1 up to `total` within the run."""

    position: int
    total: int
    schema_name: str
    outcome: Outcome
    missing: tuple[str, ...] = ()
    error: str = ""


@dataclass
class RunSummary:
    """Counts of a run, and the name and error of every schema that failed."""

    total: int = 0
    up_to_date: int = 0
    migrated: int = 0
    would_migrate: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, result: SchemaResult) -> None:
        self.total = result.total
        if result.outcome is Outcome.UP_TO_DATE:
            self.up_to_date += 1
        elif result.outcome is Outcome.MIGRATED:
            self.migrated += 1
        elif result.outcome is Outcome.WOULD_MIGRATE:
            self.would_migrate += 1
        else:
            self.failed.append((result.schema_name, result.error))

    @property
    def done(self) -> int:
        return self.up_to_date + self.migrated + self.would_migrate + len(self.failed)


@dataclass(frozen=True)
class ExpectedMigrations:
    """The tenant apps' migrations as the code has them. A squashed migration also counts as
    applied when every migration it replaces is (Django then only records the squash)."""

    replaces: dict[MigrationKey, tuple[MigrationKey, ...]]

    def missing_from(self, applied: set[MigrationKey]) -> list[str]:
        return sorted(
            f"{app}.{name}"
            for (app, name), replaced in self.replaces.items()
            if (app, name) not in applied
            and not (replaced and all(key in applied for key in replaced))
        )


def expected_tenant_migrations() -> ExpectedMigrations:
    """Read the migration files once (no database access)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = _tenant_app_labels()
    return ExpectedMigrations(
        replaces={
            key: tuple(tuple(replaced) for replaced in (migration.replaces or ()))
            for key, migration in loader.graph.nodes.items()
            if key[0] in labels
        }
    )


def tenant_schema_names(*, start_after: str = "") -> QuerySet:
    """Schemas that hold tenant apps, in name order: every tenant's but public and the purged."""
    names = Tenant.objects.exclude(schema_name=get_public_schema_name()).exclude(
        status=TenantStatus.PURGED
    )
    if start_after:
        names = names.filter(schema_name__gt=start_after)
    return names.order_by("schema_name").values_list("schema_name", flat=True)


def _batches(*, start_after: str, batch_size: int) -> Iterator[list[str]]:
    """Schema names in name order, `batch_size` at a time, each batch a fresh keyset query: no
    server-side cursor to lose when a migration closes the connection, and rows added meanwhile
    are still reached."""
    last = start_after
    while True:
        batch = list(tenant_schema_names(start_after=last)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def _existing(schema_names: list[str]) -> dict[str, bool]:
    """For each existing schema of the batch: whether it has a django_migrations table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, EXISTS ("
            "  SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid"
            "  AND c.relname = 'django_migrations' AND c.relkind IN ('r', 'p')"
            ") FROM pg_namespace n WHERE n.nspname = ANY(%s)",
            [schema_names],
        )
        return dict(cursor.fetchall())


def _guard() -> AbstractContextManager[object]:
    """A savepoint when called inside a transaction, so that one schema's failure does not
    abort it for the schemas after; nothing in autocommit (the usual case), where it would only
    add two round trips per schema."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def applied_migrations(schema_name: str) -> set[MigrationKey]:
    """One query: the (app, name) rows of the schema's django_migrations table."""
    with _guard(), connection.cursor() as cursor:
        table = f"{quote_schema_name(schema_name)}.django_migrations"  # a quoted identifier
        cursor.execute(f"SELECT app, name FROM {table}")  # noqa: S608
        return {(app, name) for app, name in cursor.fetchall()}


def applied_migrations_of(schema_names: list[str]) -> dict[str, set[MigrationKey]]:
    """One query for several schemas: each one's django_migrations rows."""
    if not schema_names:
        return {}
    parts = [
        f"SELECT %s, app, name FROM {quote_schema_name(name)}.django_migrations"  # noqa: S608
        for name in schema_names
    ]
    applied: dict[str, set[MigrationKey]] = {name: set() for name in schema_names}
    with _guard(), connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), schema_names)
        for schema, app, name in cursor.fetchall():
            applied[schema].add((app, name))
    return applied


# The slow path (django-tenants' migrate_schemas) is one schema at a time, whatever the workers.
_slow_path = threading.Lock()


def schema_migrate(*, schema_name: str, verbosity: int = 0) -> None:
    """Bring one schema up to date with django-tenants' own command."""
    try:
        with _guard():
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=schema_name,
                interactive=False,
                verbosity=verbosity,
            )
    finally:
        connection.set_schema_to_public()


# Operations whose effect on a schema is exactly the SQL they collect, and that create or drop no
# model (so content types and permissions do not change).
FAST_OPERATIONS = (
    ops.AddField,
    ops.AlterField,
    ops.RemoveField,
    ops.RenameField,
    ops.AddIndex,
    ops.RemoveIndex,
    ops.RenameIndex,
    ops.AddConstraint,
    ops.RemoveConstraint,
    ops.AlterUniqueTogether,
    ops.RunSQL,
)


@dataclass(frozen=True)
class FastPlan:
    """The SQL of a run of pending migrations, collected once, to replay in each schema."""

    keys: tuple[MigrationKey, ...]
    statements: tuple[str, ...]
    app_labels: tuple[str, ...]
    apps: object


_fast_plans: dict[tuple[str, ...], FastPlan | None] = {}


_fast_plans_lock = threading.Lock()


def fast_plan(missing: tuple[str, ...]) -> FastPlan | None:
    """The collected SQL of `missing` (names as `app.name`) when every one of them may take the
    fast path; None when one may not. Computed once per distinct set in this process."""
    with _fast_plans_lock:
        if missing not in _fast_plans:
            _fast_plans[missing] = _fast_plan(missing)
        return _fast_plans[missing]


def _fast_plan(missing: tuple[str, ...]) -> FastPlan | None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    loader.connection = connection  # collect_sql asks it for a schema editor; nothing is read
    wanted = {tuple(name.split(".", 1)) for name in missing}
    order: list[MigrationKey] = []
    for leaf in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(leaf):
            if key in wanted and key not in order:
                order.append(key)
    plan = [loader.graph.nodes[key] for key in order]
    eligible = len(order) == len(wanted) and all(
        migration.atomic
        and not migration.replaces
        and all(isinstance(op, FAST_OPERATIONS) for op in migration.operations)
        for migration in plan
    )
    result = None
    if eligible:
        statements = tuple(loader.collect_sql([(migration, False) for migration in plan]))
        result = FastPlan(
            keys=tuple(order),
            statements=tuple(s for s in statements if not s.lstrip().startswith("--")),
            app_labels=tuple(dict.fromkeys(app for app, _name in order)),
            apps=loader.project_state().apps,
        )
    return result


def _replay(plan: FastPlan) -> None:
    from django.apps import apps as global_apps

    with connection.cursor() as cursor:
        for statement in plan.statements:
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
            list(plan.keys),
        )
    for label in plan.app_labels:
        post_migrate.send(
            sender=global_apps.get_app_config(label),
            app_config=global_apps.get_app_config(label),
            verbosity=0,
            interactive=False,
            using=connection.alias,
            apps=plan.apps,
            plan=[],
        )


def schema_migrate_fast(*, schema_name: str, plan: FastPlan) -> None:
    """Replay the plan's SQL in one schema: all of it, its django_migrations rows and the touched
    apps' post_migrate, or (on any error, or a kill) none of it."""
    errors = schemas_migrate_fast(schema_names=[schema_name], plan=plan)
    if errors:
        raise MigrationFailed(errors[schema_name])


class MigrationFailed(Exception):
    pass


def schemas_migrate_fast(*, schema_names: list[str], plan: FastPlan) -> dict[str, str]:
    """Replay the plan in several schemas in one transaction, each in a savepoint: a schema that
    fails is rolled back alone; its error is returned by name. A kill loses the whole group (none
    of it is committed), and the next run does it again."""
    errors: dict[str, str] = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            for name in schema_names:
                connection.set_schema(name)
                try:
                    with transaction.atomic():
                        _replay(plan)
                except Exception as exc:
                    errors[name] = _error_text(exc)
    finally:
        connection.set_schema_to_public()
    return errors


def _error_text(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _run_one(
    *,
    schema_name: str,
    has_table: bool | None,
    expected: ExpectedMigrations,
    dry_run: bool,
    migrate_verbosity: int,
) -> tuple[Outcome, tuple[str, ...], str]:
    if has_table is None:
        return Outcome.FAILED, (), f"schema {schema_name} does not exist"
    try:
        if has_table:
            missing = tuple(expected.missing_from(applied_migrations(schema_name)))
        else:
            missing = tuple(expected.missing_from(set()))
    except Exception as exc:
        return Outcome.FAILED, (), _error_text(exc)
    if not missing:
        return Outcome.UP_TO_DATE, (), ""
    if dry_run:
        return Outcome.WOULD_MIGRATE, missing, ""
    try:
        plan = fast_plan(missing)
        if plan is not None:
            schema_migrate_fast(schema_name=schema_name, plan=plan)
        else:
            schema_migrate(schema_name=schema_name, verbosity=migrate_verbosity)
    except MigrationFailed as exc:
        return Outcome.FAILED, missing, str(exc)
    except Exception as exc:
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()  # a broken connection must not fail the rest
        return Outcome.FAILED, missing, _error_text(exc)
    return Outcome.MIGRATED, missing, ""


Row = tuple[str, Outcome, tuple[str, ...], str]


def _migrate_fast_groups(fast: dict[tuple[str, ...], list[str]]) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for missing, group in fast.items():
        plan = fast_plan(missing)
        assert plan is not None
        try:
            errors = schemas_migrate_fast(schema_names=group, plan=plan)
        except Exception as exc:  # the group's commit itself failed: none of it is in
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            errors = dict.fromkeys(group, _error_text(exc))
        for name in group:
            error = errors.get(name, "")
            rows[name] = (name, Outcome.FAILED if error else Outcome.MIGRATED, missing, error)
    return rows


def _run_group(
    *,
    names: list[str],
    existing: dict[str, bool],
    expected: ExpectedMigrations,
    dry_run: bool,
    migrate_verbosity: int,
) -> Iterator[Row]:
    """A group of schemas: their applied migrations in one query, the fast-path ones migrated
    together in one transaction, the others one by one. Rows are yielded in the group's (name)
    order, each once everything before it is committed: an interrupted run resumes correctly
    after the last schema it reported."""
    try:
        applied = applied_migrations_of([name for name in names if existing.get(name)])
    except Exception:
        # One schema's table is unreadable: do them one by one, to name it.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        for name in names:
            yield (name, *_run_one(schema_name=name, has_table=existing.get(name),
                                   expected=expected, dry_run=dry_run,
                                   migrate_verbosity=migrate_verbosity))  # fmt: skip
        return
    fast: dict[tuple[str, ...], list[str]] = {}
    held: list[str | Row] = []  # in name order: rows, or names of schemas waiting in `fast`

    def flush() -> Iterator[Row]:
        done = _migrate_fast_groups(fast)
        fast.clear()
        for item in held:
            yield done[item] if isinstance(item, str) else item
        held.clear()

    for name in names:
        if existing.get(name) is None:
            row: Row | None = (name, Outcome.FAILED, (), f"schema {name} does not exist")
        else:
            missing = tuple(expected.missing_from(applied.get(name, set())))
            if not missing:
                row = (name, Outcome.UP_TO_DATE, (), "")
            elif dry_run:
                row = (name, Outcome.WOULD_MIGRATE, missing, "")
            elif fast_plan(missing) is not None:
                fast.setdefault(missing, []).append(name)
                held.append(name)
                row = None
            else:
                yield from flush()
                with _slow_path:
                    row = (name, *_run_one(schema_name=name, has_table=existing[name],
                                           expected=expected, dry_run=False,
                                           migrate_verbosity=migrate_verbosity))  # fmt: skip
        if row is not None:
            if held:
                held.append(row)
            else:
                yield row
    yield from flush()


def _serial_group(names: list[str], **kwargs: object) -> Iterator[Row]:
    """In this thread: a fresh connection for each group (a backend keeps the catalog entries of
    every schema it touched), unless the caller's transaction holds this one."""
    yield from _run_group(names=names, **kwargs)  # type: ignore[arg-type]
    if not connection.in_atomic_block:
        connection.close()


def _run_group_on_own_connection(names: list[str], **kwargs: object) -> list[Row]:
    """In a worker thread: its own connection, closed after the group."""
    try:
        return list(_run_group(names=names, **kwargs))  # type: ignore[arg-type]
    finally:
        connection.close()


def tenant_schemas_migrate(
    *,
    schema_name: str = "",
    start_after: str = "",
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    migrate_verbosity: int = 0,
    per_transaction: int = DEFAULT_PER_TRANSACTION,
    workers: int = 1,
) -> Iterator[SchemaResult]:
    """Migrate the tenant schemas that are behind, yielding a result for each, in name order.

    `schema_name`: just that schema (it must be a tenant's). `start_after`: only schemas whose
    name sorts after it. `dry_run`: report what would be migrated, change nothing. A failure of
    one schema is yielded as FAILED with its error; the run continues with the next.
    `per_transaction` schemas share a transaction; `workers` groups run at once."""
    connection.set_schema_to_public()
    expected = expected_tenant_migrations()
    names = tenant_schema_names(start_after=start_after)
    if schema_name:
        names = names.filter(schema_name=schema_name)
    total = names.count()
    if schema_name and not total:
        raise NotATenantSchema(f"{schema_name} is not the schema of a tenant to migrate")
    position = 0
    per_transaction = max(1, per_transaction)
    batches: Iterable[list[str]] = (
        [[schema_name]] if schema_name else _batches(start_after=start_after, batch_size=batch_size)
    )
    # Other connections could not see (nor wait for) the caller's open transaction.
    parallel = workers > 1 and not connection.in_atomic_block
    pool = ThreadPoolExecutor(max_workers=workers) if parallel else None
    try:
        for batch in batches:
            existing = _existing(batch)
            groups = [batch[i : i + per_transaction] for i in range(0, len(batch), per_transaction)]
            common = {"existing": existing, "expected": expected, "dry_run": dry_run,
                      "migrate_verbosity": migrate_verbosity}  # fmt: skip
            if pool is None:
                done: Iterable[Iterable[Row]] = (_serial_group(names=g, **common) for g in groups)
            else:
                done = pool.map(partial(_run_group_on_own_connection, **common), groups)
            for rows in done:
                for name, outcome, missing, error in rows:
                    position += 1
                    yield SchemaResult(
                        position=position,
                        total=max(total, position),
                        schema_name=name,
                        outcome=outcome,
                        missing=missing,
                        error=error,
                    )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def templates_ensure(*, dry_run: bool = False) -> list[str]:
    """Make the template schemas current; the names of those (re)built, or with `dry_run` of
    those that would be."""
    if not dry_run:
        return ensure_templates()
    base = template_schema_name()
    if not template_is_current(base) or migration_drift(base):
        return [base, *(template_schema_name(vertical) for vertical in vertical_keys())]
    return [
        template_schema_name(vertical)
        for vertical in vertical_keys()
        if not template_is_current(template_schema_name(vertical), vertical)
    ]
