"""No `post_save` / `pre_save` (nor delete) receiver does domain logic (issue 21): the services
call what must follow a write explicitly. The receivers of model signals left only make a cache
forget what changed; this lists them, so a new one is a decision made here, not a habit."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_SIGNALS = {"post_save", "pre_save", "post_delete", "pre_delete", "m2m_changed"}
# Each only forgets a cached copy of what changed (the cache keys carry the tenant's schema).
CACHE_FORGETTERS = {
    ("cabinet/receivers.py", "home_content_changed"),
    ("rbac/receivers.py", "forget_cached_policy"),
    ("tenants/receivers.py", "invalidate_routes"),
}


def model_signal_receivers() -> set[tuple[str, str]]:
    found = set()
    for package in ("api", "cabinet", "rbac", "billing", "tenants", "config"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and _listens_to_models(node):
                    found.add((str(path.relative_to(ROOT)), node.name))
                if isinstance(node, ast.Call) and _connects_a_model_signal(node):
                    found.add((str(path.relative_to(ROOT)), ast.unparse(node.args[0])))
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _listens_to_models(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and "receiver" in _names(d.func) and MODEL_SIGNALS & _names(d)
        for d in function.decorator_list
    )


def _connects_a_model_signal(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "connect"
        and bool(MODEL_SIGNALS & _names(func.value))
        and bool(call.args)
    )


def test_model_signals_only_make_caches_forget():
    assert model_signal_receivers() == CACHE_FORGETTERS


def test_the_scan_sees_a_receiver_and_a_connect():
    source = (
        "@receiver(post_save, sender=Order)\ndef open_shipment(**kw): ...\n"
        "post_save.connect(open_shipment, sender=Order)\n"
    )
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _connects_a_model_signal(n)]
    assert [f.name for f in functions if _listens_to_models(f)] == ["open_shipment"]
    assert len(calls) == 1
