"""Every HTTP request the server makes goes through the egress guard (tenants.egress), except the
clients listed here, which talk only to fixed hosts from settings, never to an address a tenant
chose. A new `requests.post(...)`, `urllib.request`, `httpx` or raw socket in the apps fails this
test; route it through `egress.session(...)` instead (or, for a fixed host from settings, add it
below with the reason)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("api", "billing", "cabinet", "config", "rbac", "tenants")

# module -> the HTTP client it may use without the guard, and why
ALLOWED = {
    "tenants/egress.py": ("requests", "the guard itself"),
    "billing/gateway.py": ("stripe", "Stripe's own client, to STRIPE_API_BASE from settings"),
    "rbac/sms.py": ("twilio", "Twilio's own client, to TWILIO_API_BASE from settings"),
    "tenants/backup.py": ("boto3", "backups to the S3 endpoint from settings"),
    "config/pgbouncer.py": (
        "socket",
        "make run's pooler: a free loopback port, and whether it listens",
    ),
}
# Modules whose import means an HTTP (or raw network) client.
CLIENTS = {
    "requests", "httpx", "urllib3", "aiohttp", "pycurl", "http.client", "urllib.request",
    "socket", "requests_hardened", "stripe", "twilio", "boto3", "botocore",
}  # fmt: skip
# Calls that make a request without naming a client module in an import of their own.
CALLS = re.compile(r"\b(?:requests|httpx|urllib3|urllib\.request|socket)\.\w+\(|\burlopen\(")


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        # their tests (cabinet/<domain>/tests/) are not the server
        if not {"migrations", "tests"} & set(path.parent.parts)
    )


def imported_clients(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            found |= {
                client for client in CLIENTS if name == client or name.startswith(f"{client}.")
            }
    return found


def webpush_calls_without_the_guard(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("webpush", "WebPusher")
        and not any(k.arg == "requests_session" for k in node.keywords)
    ]


def test_the_scan_sees_the_apps():
    names = {str(p.relative_to(ROOT)) for p in app_modules()}
    assert {
        "tenants/egress.py",
        "cabinet/notifications/outgoing.py",
        "rbac/oauth.py",
        "cabinet/notifications/push.py",
    } <= names


@pytest.mark.parametrize("path", app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_request_leaves_outside_the_guard(path):
    relative = str(path.relative_to(ROOT))
    source = path.read_text()
    tree = ast.parse(source)
    allowed = {ALLOWED[relative][0]} if relative in ALLOWED else set()
    if relative == "tenants/egress.py":
        allowed |= {"requests", "requests_hardened", "urllib3", "socket"}

    clients = imported_clients(tree) - allowed
    calls = [m.group(0) for m in CALLS.finditer(source)] if relative != "tenants/egress.py" else []
    calls = [call for call in calls if call.split(".")[0] not in allowed]  # its allowed client

    assert not clients, f"{relative} imports {sorted(clients)}: use tenants.egress.session()"
    assert not calls, f"{relative} calls {calls}: use tenants.egress.session()"
    assert not webpush_calls_without_the_guard(tree), f"{relative}: pass requests_session="


def test_the_scan_catches_a_request_outside_the_guard():
    leak = ast.parse("import requests\nrequests.post(url, json={})\n")
    assert imported_clients(leak) == {"requests"}
    assert CALLS.search("x = requests.post(url)")
    assert CALLS.search("urllib.request.urlopen(url)")
    assert imported_clients(ast.parse("from urllib.request import urlopen")) == {"urllib.request"}
    assert imported_clients(ast.parse("from urllib.parse import urlsplit")) == set()
    assert webpush_calls_without_the_guard(ast.parse("webpush(info, data=d)")) == [1]
    assert webpush_calls_without_the_guard(ast.parse("webpush(info, requests_session=s)")) == []
