"""Cabinets on a Citus cluster (schema-based sharding): where each schema lives, how loaded each
worker is, and the three operations the platform needs — distribute a schema, move it live, and
plan an even spread. Everything asks Citus's own catalogue (pg_dist_*) on the coordinator; there
is no home-made sharding layer. On a plain PostgreSQL `cluster_active()` is False and nothing here
is called.

Placement unit: one tenant schema is one Citus colocation group (all its tables single-shard and
colocated), so "the node of a schema" is the node of any of its shards.
"""

from dataclasses import dataclass

from django.db import connection

# `auto` uses logical replication for every table with a replica identity (all of ours have a
# primary key): reads and writes continue during the copy; writes pause only for the final
# catch-up.
MOVE_MODE = "auto"


@dataclass(frozen=True, order=True)
class Node:
    node_id: int
    host: str
    port: int

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def cluster_active() -> bool:
    """True when the database is a Citus coordinator with at least one worker. Asked once per
    thread's connection and database (a test run switching to its test database asks again)."""
    database = connection.settings_dict["NAME"]
    cached = getattr(connection, "_kabinet_citus", None)
    if cached is not None and cached[0] == database:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        active = cursor.fetchone() is not None
        if active:
            cursor.execute(
                "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0"
            )
            active = cursor.fetchone()[0] > 0
    connection._kabinet_citus = (database, active)
    return active


def worker_nodes() -> list[Node]:
    """The workers a schema may live on (active primaries that take shards), by id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodeid, nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary'"
            " AND isactive AND shouldhaveshards AND groupid <> 0 ORDER BY nodeid"
        )
        return [Node(*row) for row in cursor.fetchall()]


_PLACEMENTS = """
SELECT DISTINCT ON (s.schemaid) s.schemaid::regnamespace::text, n.nodeid, n.nodename, n.nodeport
FROM pg_dist_schema s
JOIN pg_dist_partition p ON p.colocationid = s.colocationid
JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid
JOIN pg_dist_placement pl ON pl.shardid = sh.shardid
JOIN pg_dist_node n ON n.groupid = pl.groupid
{where}
ORDER BY s.schemaid, sh.shardid
"""


def schema_nodes(schemas: list[str] | None = None) -> dict[str, Node]:
    """The node each distributed schema lives on (all of them, or those named)."""
    where, params = "", []
    if schemas is not None:
        if not schemas:
            return {}
        where, params = "WHERE s.schemaid::regnamespace::text = ANY(%s)", [list(schemas)]
    with connection.cursor() as cursor:
        cursor.execute(_PLACEMENTS.format(where=where), params)
        return {name: Node(node_id, host, port) for name, node_id, host, port in cursor.fetchall()}


def schema_sizes() -> dict[str, int]:
    """Bytes per distributed schema, summed over its shards on every worker (one round trip per
    node: citus_shard_sizes() asks each once)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, sum(sizes.size)::bigint FROM citus_shard_sizes() sizes"
            " JOIN pg_dist_shard sh ON sh.shardid = sizes.shard_id"
            " JOIN pg_class c ON c.oid = sh.logicalrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace GROUP BY 1"
        )
        return {name: int(size) for name, size in cursor.fetchall()}


def node_loads(tenant_schemas: list[str]) -> dict[Node, int]:
    """How many of the given (cabinet) schemas each worker holds; every worker appears."""
    loads = dict.fromkeys(worker_nodes(), 0)
    for node in schema_nodes(tenant_schemas).values():
        if node in loads:
            loads[node] += 1
    return loads


def least_loaded(loads: dict[Node, int]) -> Node:
    """The worker with the fewest cabinets; ties go to the lowest node id."""
    return min(loads, key=lambda node: (loads[node], node.node_id))


def schema_distribute(schema_name: str) -> None:
    """Turn a local schema into a distributed one: every table becomes a single-shard table of
    one new colocation group, its data copied to the worker Citus picks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [schema_name])


def schema_move(schema_name: str, node: Node) -> None:
    """Move a distributed schema to `node` while it keeps serving. Cannot run inside a
    transaction block (the logical copy commits in steps)."""
    if connection.in_atomic_block:
        raise RuntimeError("citus_schema_move cannot run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s::citus.shard_transfer_mode)",
            [schema_name, node.node_id, MOVE_MODE],
        )


def rebalance_plan(placements: dict[str, Node], nodes: list[Node]) -> list[tuple[str, Node]]:
    """Moves that leave every worker within one cabinet of the others: repeatedly take a
    cabinet from the most loaded worker to the least loaded one. Pure: it reads nothing."""
    if not nodes:
        return []
    on_node: dict[Node, list[str]] = {node: [] for node in nodes}
    for schema, node in sorted(placements.items()):
        if node in on_node:
            on_node[node].append(schema)
    moves = []
    while True:
        fullest = max(nodes, key=lambda node: (len(on_node[node]), -node.node_id))
        emptiest = min(nodes, key=lambda node: (len(on_node[node]), node.node_id))
        if len(on_node[fullest]) - len(on_node[emptiest]) <= 1:
            return moves
        schema = on_node[fullest].pop()
        on_node[emptiest].append(schema)
        moves.append((schema, emptiest))
