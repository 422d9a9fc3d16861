"""The import graph of our packages (grimp, as import-linter builds it, function-level imports
included): the core never imports a vertical, verticals never import each other, and no new
import cycle appears between our modules."""

import grimp
import pytest

from tenants.verticals import vertical_configs

PACKAGES = ("api", "cabinet", "rbac", "billing", "tenants")

# Cycles allowed between our modules: none. Services send their tasks by name
# (`tenants.tasks_base.task_named`): tasks import services, never the reverse; the domain models
# import each other one way (cabinet/models.py is only their index); confirming a checkout
# (cabinet.checkout.placing) sits above the orders' and bookings' services, which refund through
# cabinet.checkout.services. Keep this set empty: break a new cycle rather than list it.
KNOWN_CYCLES: set[frozenset[str]] = set()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(frozenset(group))
    return found


def test_no_new_import_cycle_between_our_modules(graph: grimp.ImportGraph) -> None:
    # given the graph of our packages / when its cycles are found
    cycles = _cycles(graph)
    # then none is new, and none of the known ones has gone unnoticed
    assert cycles - KNOWN_CYCLES == set()
    assert KNOWN_CYCLES - cycles == set()


def test_the_cycle_finder_finds_a_cycle() -> None:
    # given two modules importing each other
    graph = grimp.ImportGraph()
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.one")
    graph.add_import(importer="a.two", imported="a.three")
    # then the finder reports them, and only them
    assert _cycles(graph) == {frozenset({"a.one", "a.two"})}


def test_the_core_never_imports_a_vertical_and_verticals_never_each_other(
    graph: grimp.ImportGraph,
) -> None:
    # given every installed vertical's package
    packages = [config.name for config in vertical_configs()]
    assert len(packages) >= 2
    # when each module's direct imports are read
    wrong = []
    for module in graph.modules:
        owner = next((p for p in packages if module == p or module.startswith(f"{p}.")), None)
        for imported in graph.find_modules_directly_imported_by(module):
            target = next(
                (p for p in packages if imported == p or imported.startswith(f"{p}.")), None
            )
            if target is not None and target != owner:
                wrong.append(f"{module} -> {imported}")
    # then a vertical is imported only from inside itself
    assert wrong == []
