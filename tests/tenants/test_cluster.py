"""Cabinets on a Citus cluster (tenants.cluster, tenants.placement, the control panel's Cluster
page). The plan and the foreign-key rule are checked everywhere; what needs Citus runs under
`make test-cluster` (DATABASE_URL at a coordinator) and is skipped, saying why, elsewhere."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from cabinet.catalog.models import CatalogItem
from tenants.backup import schema_checksums
from tenants.cluster import Node, cluster_active, rebalance_plan, schema_nodes, worker_nodes
from tenants.lifecycle import Actor
from tenants.models import SchemaMove, Tenant, TenantEvent
from tenants.placement import (
    cluster_overview,
    move_request,
    moves_run,
    new_cabinet_placement,
    rebalance_request,
)
from tests.control.test_control_panel import make_admin

A, B, C = Node(1, "10.0.0.1", 5432), Node(2, "10.0.0.2", 5432), Node(3, "10.0.0.3", 5432)
ADMIN = Actor(label="root@kabinet.example.com", id=1)


def needs_cluster() -> None:
    if not cluster_active():
        pytest.skip("needs a Citus coordinator: make test-cluster")


# --- the plan (pure) ---------------------------------------------------------------------------


def test_a_rebalance_leaves_every_worker_within_one_cabinet():
    # given five cabinets on A, one on B, none on C
    placements = {f"t{i}": A for i in range(5)} | {"t5": B}
    # when planned
    moves = rebalance_plan(placements, [A, B, C])
    # then three leave A (two to C, one to B), and the counts are 2/2/2
    after = dict(placements) | dict(moves)
    counts = {node: list(after.values()).count(node) for node in (A, B, C)}
    assert counts == {A: 2, B: 2, C: 2}
    assert len(moves) == 3
    assert {schema for schema, _node in moves} <= {f"t{i}" for i in range(5)}


def test_an_even_spread_plans_no_move():
    assert rebalance_plan({"t1": A, "t2": B, "t3": A}, [A, B]) == []
    assert rebalance_plan({}, [A, B]) == []


def test_a_cabinet_on_a_removed_node_is_not_planned_from_it():
    assert rebalance_plan({"t1": C, "t2": C, "t3": C}, [A, B]) == []


# --- the rule that makes distribution possible --------------------------------------------------


def test_no_cabinet_table_refers_to_a_shared_table(hotel):
    """Citus refuses a foreign key from a distributed schema to a local table of the
    coordinator; a shared table a cabinet refers to would have to become a reference table.
    Today none is referred to: this test says when that changes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint c"
            " JOIN pg_class r ON r.oid = c.confrelid"
            " WHERE c.contype = 'f' AND c.connamespace = %s::regnamespace"
            " AND r.relnamespace <> c.connamespace",
            [hotel.schema_name],
        )
        assert cursor.fetchall() == []


# --- on the cluster ----------------------------------------------------------------------------


def test_a_new_cabinet_is_distributed_to_a_worker(hotel):
    needs_cluster()
    node = schema_nodes([hotel.schema_name])[hotel.schema_name]
    assert node in worker_nodes()
    with connection.cursor() as cursor:
        # every table of the schema is one colocated single-shard group
        cursor.execute(
            "SELECT count(DISTINCT colocation_id), count(*) FROM citus_tables"
            " WHERE table_name::text LIKE %s",
            [f"{hotel.schema_name}.%"],
        )
        groups, tables = cursor.fetchone()
    assert groups == 1
    assert tables > 50


def test_a_cabinet_moves_live_and_keeps_its_data(committed_tenant):
    needs_cluster()
    # given a cabinet with data, on one worker
    before = schema_checksums(committed_tenant.schema_name)
    source = schema_nodes([committed_tenant.schema_name])[committed_tenant.schema_name]
    target = next(node for node in worker_nodes() if node != source)
    # when an admin moves it
    move = move_request(tenant=committed_tenant, node_id=target.node_id, actor=ADMIN,
                        reason="disk on worker 1")  # fmt: skip
    assert moves_run([move.pk]) == {"done": 1, "failed": 0}
    # then it lives on the target, with the same rows, and the move is audited
    connection.set_schema_to_public()
    assert schema_nodes([committed_tenant.schema_name])[committed_tenant.schema_name] == target
    assert schema_checksums(committed_tenant.schema_name) == before
    event = TenantEvent.objects.get(tenant=committed_tenant, kind=TenantEvent.Kind.MOVED)
    assert (event.actor_label, event.reason) == (ADMIN.label, "disk on worker 1")
    assert event.detail["from"] == source.label
    assert event.detail["to"] == target.label
    with tenant_context(committed_tenant):
        assert CatalogItem.objects.exists()
    # and running the same move again does nothing
    assert moves_run([move.pk]) == {"done": 0, "failed": 0}


def test_a_move_is_refused_with_words_not_a_crash(hotel):
    needs_cluster()
    here = schema_nodes([hotel.schema_name])[hotel.schema_name]
    with pytest.raises(Exception, match="on that node already"):
        move_request(tenant=hotel, node_id=here.node_id, actor=ADMIN, reason="x")
    with pytest.raises(Exception, match="one of the cluster"):
        move_request(tenant=hotel, node_id=999, actor=ADMIN, reason="x")
    with pytest.raises(Exception, match="Say why"):
        move_request(tenant=hotel, node_id=here.node_id, actor=ADMIN, reason=" ")
    assert not SchemaMove.objects.exists()


def test_a_new_cabinet_on_a_fuller_worker_is_queued_for_the_emptier_one(
    db, hotel, shop, school, monkeypatch
):
    needs_cluster()
    # given all three session cabinets on one worker, as Citus's placements say (read as they
    # are, then reported all on the school's worker: where Citus put them is its own choice)
    nodes = worker_nodes()
    crowded = schema_nodes([school.schema_name])[school.schema_name]
    real_schema_nodes = schema_nodes

    def all_on_one(schemas=None):
        return dict.fromkeys(real_schema_nodes(schemas), crowded)

    monkeypatch.setattr("tenants.cluster.schema_nodes", all_on_one)
    monkeypatch.setattr("tenants.placement.schema_nodes", all_on_one)
    # when the placement of the newest runs
    move = new_cabinet_placement(school)
    # then it is queued for another worker
    assert move is not None
    assert move.target_node_id != crowded.node_id
    assert move.target_node_id in {node.node_id for node in nodes}


def test_the_cluster_page_shows_each_cabinet_node_and_size(platform_client: Client, hotel):
    admin, _secret = make_admin()
    platform_client.force_login(admin)

    def queries_for_page() -> tuple[int, str]:
        platform_client.get("/control/cluster/")
        with CaptureQueriesContext(connection) as queries:
            response = platform_client.get("/control/cluster/")
        assert response.status_code == 200
        return len(queries), response.content.decode()

    with_three, page = queries_for_page()
    if not cluster_active():
        assert "runs on one PostgreSQL" in page
        return
    overview = cluster_overview()
    row = next(row for row in overview["rows"] if row["tenant"].pk == hotel.pk)
    assert row["node"].label in page
    assert hotel.name in page
    assert (
        sum(each["cabinets"] for each in overview["nodes"])
        == Tenant.objects.exclude(schema_name="public").count()
    )
    # the same queries with more cabinets listed (rows only: their schemas are not needed)
    for n in range(3):
        Tenant.objects.create(schema_name=f"extra{n}", slug=f"extra-{n}", name=f"X{n}")
    assert queries_for_page()[0] == with_three
    # session, user, second factor, tenants, placements, sizes, nodes, moves
    assert with_three <= 12


def test_the_cluster_page_wants_a_platform_admin(platform_client: Client, db):
    assert platform_client.get("/control/cluster/").status_code == 302
    assert platform_client.post("/control/cluster/rebalance/").status_code == 302


def test_a_bad_move_form_is_a_400(platform_client: Client, hotel):
    needs_cluster()
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    response = platform_client.post(f"/control/tenants/{hotel.pk}/move/",
                                    {"node": "not-a-number", "reason": "x"})  # fmt: skip
    assert response.status_code == 400
    assert "one of the cluster" in response.content.decode()


def test_rebalance_queues_one_batch_of_moves(platform_client: Client, hotel):
    needs_cluster()
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    response = platform_client.post("/control/cluster/rebalance/")
    assert response.status_code == 302
    placements = schema_nodes(
        list(Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    )
    planned = rebalance_plan(placements, worker_nodes())
    assert SchemaMove.objects.count() == len(planned)
    assert len(set(SchemaMove.objects.values_list("batch", flat=True))) <= 1
    # a second one while moves are queued is refused
    if planned:
        with pytest.raises(Exception, match="under way"):
            rebalance_request(actor=ADMIN)


def test_a_migration_reaches_the_cabinet_on_its_worker(hotel):
    """What migrate_tenants does to a distributed schema: DDL on the coordinator, propagated
    by Citus to the worker's shard: the SELECT is routed to the shard, which must have it."""
    needs_cluster()
    with tenant_context(hotel), connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE cabinet_catalogitem ADD COLUMN cluster_probe integer NOT NULL DEFAULT 7"
        )
        cursor.execute("SELECT DISTINCT cluster_probe FROM cabinet_catalogitem")
        assert cursor.fetchall() == [(7,)]
