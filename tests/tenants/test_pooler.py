"""PgBouncer in transaction mode is safe with our backend (tenants.postgresql_backend): two
cabinets whose primary keys collide, interleaved through ONE pooled server connection
(default_pool_size = 1), never see each other's row; the search path does not outlive the
transaction; no prepared statement is left on the server. The control: django-tenants' session
`SET search_path` through the same pooler does leak (DT#545).

Needs Debian's pgbouncer (`make test` installs it with apt when run as root); skipped, saying
so, when it cannot be had."""

import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction

from config.pgbouncer import PgBouncer, ensure_pgbouncer
from tenants.models import Tenant
from tenants.postgresql_backend.base import DatabaseWrapper
from tests.conftest import committed_tenant_for

COLLIDING_ID = 777_001


def server_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or db.get("OPTIONS", {}).get("port") or 5432
    user = db["USER"] or "postgres"
    if host.startswith("/"):
        return f"postgres://{user}@/{host.rstrip('/')}/{db['NAME']}?port={port}"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def bouncer(django_db_setup: None) -> Iterator[PgBouncer]:
    binary = ensure_pgbouncer()
    if not binary:
        pytest.skip(
            "pgbouncer is not installed and cannot be installed here: apt-get install pgbouncer"
        )
    folder = Path(tempfile.mkdtemp(prefix="kabinet-pgbouncer-"))
    pooler = PgBouncer(server_url(), folder, pool_size=1).start(binary)
    try:
        yield pooler
    finally:
        pooler.stop()


@pytest.fixture
def two_cabinets(django_db_blocker) -> Iterator[tuple[Tenant, Tenant]]:
    """Two committed cabinets, each with a group whose id is COLLIDING_ID and whose name is its
    own secret."""
    with ExitStack() as stack:
        a = stack.enter_context(committed_tenant_for(django_db_blocker))
        b = stack.enter_context(committed_tenant_for(django_db_blocker))
        with django_db_blocker.unblock():
            for tenant in (a, b):
                connection.set_tenant(tenant)
                Group.objects.create(id=COLLIDING_ID, name=f"secret of {tenant.schema_name}")
            connection.set_schema_to_public()
        yield a, b


def pooled_connection(alias: str, pooler: PgBouncer, **options: object) -> DatabaseWrapper:
    settings_dict = {
        **connection.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": str(pooler.port),
        "OPTIONS": {**options},
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
    }
    wrapper = DatabaseWrapper(settings_dict, alias=alias)
    connections[alias] = wrapper
    return wrapper


def seen(alias: str) -> str:
    return Group.objects.using(alias).get(pk=COLLIDING_ID).name


def interleave(pairs: list[tuple[DatabaseWrapper, Tenant]], rounds: int) -> list[str]:
    """Each round, each client reads its cabinet's row: in autocommit, in an atomic block,
    after a rolled-back savepoint; the names of rows that belonged to another cabinet."""
    wrong = []
    for round_number in range(rounds):
        for wrapper, tenant in pairs:
            wrapper.set_tenant(tenant)
            expected = f"secret of {tenant.schema_name}"
            if round_number % 3 == 0:
                names = [seen(wrapper.alias)]
            elif round_number % 3 == 1:
                with transaction.atomic(using=wrapper.alias):
                    names = [seen(wrapper.alias), seen(wrapper.alias)]
            else:
                with transaction.atomic(using=wrapper.alias):
                    try:
                        with transaction.atomic(using=wrapper.alias):
                            names = [seen(wrapper.alias)]
                            raise RuntimeError("roll the savepoint back")
                    except RuntimeError:
                        pass
                    names.append(seen(wrapper.alias))
            wrong += [name for name in names if name != expected]
        # The other client ran in between: each reads again, in the same "request", without
        # choosing its cabinet anew.
        for wrapper, tenant in pairs:
            name = seen(wrapper.alias)
            if name != f"secret of {tenant.schema_name}":
                wrong.append(name)
    return wrong


def close(*aliases: str) -> None:
    for alias in aliases:
        connections[alias].close()
        del connections[alias]


def test_two_cabinets_through_one_pooled_server_connection_see_only_their_own_rows(
    bouncer, two_cabinets, settings
):
    settings.DATABASE_POOLER = "transaction"
    a, b = two_cabinets
    first = pooled_connection("pooled_a", bouncer)
    second = pooled_connection("pooled_b", bouncer)
    try:
        pids = set()
        for wrapper in (first, second):
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.add(cursor.fetchone()[0])
        assert len(pids) == 1, "both clients must share one server connection"
        assert interleave([(first, a), (second, b)], rounds=30) == []
        # Threads: both clients at once, queued by the pooler on its one server connection.
        wrong: list[str] = []

        def client(alias: str, tenant: Tenant) -> None:
            wrapper = pooled_connection(alias, bouncer)
            try:
                wrong.extend(interleave([(wrapper, tenant)], rounds=30))
            finally:
                close(alias)

        threads = [threading.Thread(target=client, args=(f"t_{t.schema_name}", t)) for t in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert wrong == []
        # Nothing of a cabinet stays on the server connection once its transaction is over.
        with psycopg.connect(bouncer.url(connection.settings_dict["NAME"]), autocommit=True) as raw:
            path = raw.execute("SHOW search_path").fetchone()[0]
            assert a.schema_name not in path
            assert b.schema_name not in path
            prepared = raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
            assert prepared == 0
    finally:
        close("pooled_a", "pooled_b")


def test_the_session_search_path_of_django_tenants_leaks_through_the_same_pooler(
    bouncer, two_cabinets, settings
):
    """The control: without DATABASE_POOLER the search path is a session SET, sent once per
    schema and connection; the pooler's one server connection keeps the other cabinet's."""
    settings.DATABASE_POOLER = ""
    a, b = two_cabinets
    first = pooled_connection("session_a", bouncer)
    second = pooled_connection("session_b", bouncer)
    try:
        first.set_tenant(a)
        assert seen("session_a") == f"secret of {a.schema_name}"
        second.set_tenant(b)
        assert seen("session_b") == f"secret of {b.schema_name}"
        # A's next query: the one server connection still has B's search path.
        assert seen("session_a") == f"secret of {b.schema_name}"
        assert interleave([(first, a), (second, b)], rounds=3) != []
    finally:
        close("session_a", "session_b")


def test_prepared_statements_are_refused_behind_a_transaction_pooler(bouncer, settings):
    settings.DATABASE_POOLER = "transaction"
    wrapper = pooled_connection("prepared", bouncer, prepare_threshold=0)
    try:
        with pytest.raises(ImproperlyConfigured, match="prepare_threshold"):
            wrapper.get_connection_params()
    finally:
        del connections["prepared"]


def test_a_port_held_by_another_pgbouncer_is_refused_not_mistaken_for_ours(tmp_path):
    # given something already listening on the port (another checkout's PgBouncer)
    import socket

    from config.pgbouncer import PortTaken

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        # when ours is asked to start there
        pooler = PgBouncer("postgres://postgres@127.0.0.1:5432/kabinet", tmp_path, port=port)
        # then it says so, instead of answering "ready" with the other one's socket
        with pytest.raises(PortTaken, match=f"127.0.0.1:{port} is taken"):
            pooler.start("/usr/sbin/pgbouncer")
    assert pooler.process is None
