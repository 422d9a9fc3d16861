"""The suite on a Citus coordinator (`make test-cluster`, or `make test` with DATABASE_URL at
the coordinator): the fresh test database gets the citus extension and the same workers as the
database it was named after, each worker a fresh database of the same name. On a PostgreSQL
without Citus nothing happens."""

import psycopg
from django.db import connection
from psycopg import sql


def _params(**overrides: object) -> dict:
    params = {k: v for k, v in connection.get_connection_params().items() if k in
              ("host", "port", "user", "password")}  # fmt: skip
    params.update(overrides)
    return {k: v for k, v in params.items() if v}


def citus_workers(main_database: str) -> list[tuple[str, int]]:
    """The workers registered in the non-test database (none without Citus)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('shared_preload_libraries')")
        if "citus" not in cursor.fetchone()[0]:
            return []
    try:
        with psycopg.connect(dbname=main_database, **_params()) as main:
            return main.execute(
                "SELECT nodename, nodeport FROM pg_dist_node"
                " WHERE groupid <> 0 AND noderole = 'primary' ORDER BY nodeid"
            ).fetchall()
    except psycopg.Error:
        return []


def citus_test_database(main_database: str) -> list[tuple[str, int]]:
    """Make the (already migrated) test database a coordinator of fresh worker databases; the
    workers, for `citus_test_database_drop` at the end."""
    workers = citus_workers(main_database)
    if not workers:
        return []
    name = connection.settings_dict["NAME"]
    for host, port in workers:
        with psycopg.connect(dbname="postgres", autocommit=True,
                             **_params(host=host, port=port)) as worker:  # fmt: skip
            database = sql.Identifier(name)
            worker.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            worker.execute(sql.SQL("CREATE DATABASE {}").format(database))
        with psycopg.connect(dbname=name, autocommit=True, **_params(host=host, port=port)) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS citus")
    params = connection.get_connection_params()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS citus")
        cursor.execute(
            "SELECT citus_set_coordinator_host(%s, %s)",
            [params.get("host") or "127.0.0.1", int(params.get("port") or 5432)],
        )
        for host, port in workers:
            cursor.execute("SELECT citus_add_node(%s, %s)", [host, port])
    connection.close()
    connection._kabinet_citus = None  # tenants.cluster asks again, and now sees the cluster
    return workers


def citus_test_database_drop(workers: list[tuple[str, int]], name: str) -> None:
    """The workers' copies of the test database go with it (each run has its own name)."""
    for host, port in workers:
        with psycopg.connect(dbname="postgres", autocommit=True,
                             **_params(host=host, port=port)) as worker:  # fmt: skip
            database = sql.Identifier(name)
            worker.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
