"""django-tenants' PostgreSQL backend with two changes for running many cabinets.

1. Behind a transaction-mode pooler (DATABASE_POOLER = "transaction", which `KABINET_POOLER=
   pgbouncer` sets): django-tenants sets the schema with a session-level `SET search_path` once
   per connection and schema. Behind PgBouncer in transaction mode that setting stays on a server
   connection that the next transaction of any client may get, and our own next statement may
   land on another server connection that never saw it (DT#545). Here the search path is set
   with `SET LOCAL` inside every transaction instead, which ends with it:
   - in an atomic block, before the transaction's first statement and again whenever the schema
     changes within it (or after a ROLLBACK TO SAVEPOINT, which undoes a SET LOCAL);
   - in autocommit, where each statement is its own transaction, the statement is wrapped:
     `BEGIN; SET LOCAL search_path ...` then the statement then `COMMIT` (ROLLBACK on error).
   Server-side prepared statements stay off (Django's default, `prepare_threshold` None, which
   is refused otherwise) and so do server-side cursors (DISABLE_SERVER_SIDE_CURSORS).

2. Schema churn: a backend that has touched many schemas holds their catalog entries in its
   caches (about 0.13 MB per schema measured by `make bench-scale`), and never gives them back. A
   connection that has been set to more than TENANT_SCHEMAS_PER_CONNECTION schemas is closed at
   the end of its request or task (Django's close_old_connections), so one backend's memory
   stays bounded whatever the number of cabinets.
"""

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql.base import Cursor as DjangoCursor
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import quote_schema_name
from psycopg import pq

# Statements PostgreSQL refuses inside a transaction block; they need no search path either.
OUTSIDE_TRANSACTION = (
    "VACUUM",
    "CREATE DATABASE",
    "DROP DATABASE",
    "ALTER SYSTEM",
    "CREATE INDEX CONCURRENTLY",
    "DROP INDEX CONCURRENTLY",
    "REINDEX",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "START TRANSACTION",
)


def pooled() -> bool:
    return getattr(settings, "DATABASE_POOLER", "") == "transaction"


class PooledCursor(DjangoCursor):
    """Sets the search path inside the transaction each statement runs in."""

    def _run(self, method: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        # Cursors psycopg or Django open for themselves (connection.execute: the health check's
        # SELECT 1, our own COMMIT) have no wrapper and need no search path.
        wrapper = getattr(self, "_kabinet_wrapper", None)
        text = query if isinstance(query, str) else ""
        if wrapper is None or text.lstrip()[:30].upper().startswith(OUTSIDE_TRANSACTION):
            return method(query, *args, **kwargs)
        setting = wrapper.search_path_sql()
        conn = self.connection
        status = conn.info.transaction_status
        if status == pq.TransactionStatus.IDLE and conn.autocommit:
            # Its own transaction: BEGIN and SET LOCAL in one round trip, then the statement,
            # then COMMIT on a cursor of its own (this one keeps the statement's rows).
            conn.execute(f"BEGIN; {setting}")
            try:
                result = method(query, *args, **kwargs)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result
        if status == pq.TransactionStatus.IDLE:
            # Django's atomic block: the SET LOCAL opens the transaction (psycopg's BEGIN).
            conn.execute(setting)
            wrapper.transaction_search_path = setting
        elif status == pq.TransactionStatus.INTRANS and wrapper.transaction_search_path != setting:
            conn.execute(setting)
            wrapper.transaction_search_path = setting
        return method(query, *args, **kwargs)

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return self._run(super().execute, query, params, **kwargs)

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> Any:
        return self._run(super().executemany, query, params_seq, **kwargs)


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.transaction_search_path = ""
        self._kabinet_schemas: set[str] = set()
        # Whether the open connection was made for a transaction-mode pooler (fixed per
        # connection: the setting is read when connecting).
        self.pooled_connection = False
        super().__init__(*args, **kwargs)

    # --- schema churn -----------------------------------------------------------------------

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        schemas = getattr(self, "_kabinet_schemas", None)
        if schemas is None or self.connection is None:
            return
        schemas.add(tenant.schema_name)
        limit = getattr(settings, "TENANT_SCHEMAS_PER_CONNECTION", 0)
        if limit and len(schemas) > limit:
            # Closed by close_old_connections at the end of this request or task, not now:
            # the caller may be inside a transaction.
            self.close_at = time.monotonic()

    def connect(self) -> None:
        super().connect()
        self._kabinet_schemas = {self.schema_name} if self.schema_name else set()
        self.transaction_search_path = ""

    def close_if_unusable_or_obsolete(self) -> None:
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self._kabinet_schemas = set()

    # --- transaction-mode pooler ------------------------------------------------------------

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        self.pooled_connection = pooled()
        if self.pooled_connection:
            if params.get("prepare_threshold") is not None:
                raise ImproperlyConfigured(
                    "prepare_threshold must stay unset behind a transaction-mode pooler: a "
                    "server-side prepared statement lives on one server connection."
                )
            params["cursor_factory"] = PooledCursor
        return params

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = super().create_cursor(name)
        if isinstance(cursor, PooledCursor):
            cursor._kabinet_wrapper = self
        return cursor

    def search_path_sql(self) -> str:
        paths = ", ".join(quote_schema_name(s) for s in self._get_cursor_search_paths())
        return f"SET LOCAL search_path = {paths}"

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self.pooled_connection:
            return  # set per transaction by PooledCursor
        super()._handle_search_path(cursor)

    def _commit(self) -> None:
        self.transaction_search_path = ""
        super()._commit()

    def _rollback(self) -> None:
        self.transaction_search_path = ""
        super()._rollback()

    def savepoint_rollback(self, sid: str) -> None:
        super().savepoint_rollback(sid)
        self.transaction_search_path = ""  # ROLLBACK TO SAVEPOINT undid any SET LOCAL after it
