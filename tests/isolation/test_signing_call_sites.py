"""Only tenants.signing signs, HMACs or mints: everything else asks it, so nothing one cabinet
makes can work in another (issue 17). A new call to a primitive anywhere in the application
fails here; bind it to the schema through tenants.signing instead."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("api", "billing", "cabinet", "config", "rbac", "tenants")
HELPER = "tenants/signing.py"

# Modules whose every use is a signing, HMAC or random primitive.
MODULES = {"secrets", "hmac", "random", "django.core.signing"}
# Names that are such a primitive wherever they come from.
NAMES = {
    "salted_hmac",
    "get_random_string",
    "constant_time_compare",
    "urandom",
    "token_bytes",
    "Signer",
    "TimestampSigner",
    "PasswordResetTokenGenerator",
    "default_token_generator",
    "generate_user_code",
    "generate_key",
}
# The explicit exceptions, each with its reason. Keep this tiny.
ALLOWED: dict[str, str] = {}
# Not primitives here, deliberately: hashlib (content checksums and file names; the SHA-256 of a
# stored token is tenants.signing.token_hash) and uuid4 (idempotency keys and file names, never
# a credential).


def primitives_in(source: str) -> list[str]:
    """The primitive uses in one module's source, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if module in MODULES or f"{module}.{alias.name}" in MODULES or alias.name in NAMES:
                    found.append(f"{node.lineno}: from {module} import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in NAMES:
            found.append(f"{node.lineno}: .{node.attr}")
    return found


def application_modules() -> list[Path]:
    """The apps' code; their tests (tests/ and cabinet/<domain>/tests/) are not scanned."""
    return sorted(
        p for app in APPS for p in (ROOT / app).rglob("*.py") if "tests" not in p.parent.parts
    )


def test_only_the_helper_calls_signing_hmac_and_random_primitives():
    # given every module of the application
    offenders = {}
    for path in application_modules():
        name = path.relative_to(ROOT).as_posix()
        if name == HELPER or name in ALLOWED:
            continue
        # when its source is scanned for primitives
        found = primitives_in(path.read_text())
        if found:
            offenders[name] = found
    # then there are none outside tenants.signing
    assert offenders == {}, "sign, HMAC and mint through tenants.signing: " + repr(offenders)


def test_the_helper_itself_is_where_the_primitives_are():
    # the scan sees what it looks for: the helper has them all
    found = " ".join(primitives_in((ROOT / HELPER).read_text()))
    for primitive in (
        "import secrets",
        "import hmac",
        "django.core import signing",
        "salted_hmac",
        "get_random_string",
        "PasswordResetTokenGenerator",
    ):
        assert primitive in found


@pytest.mark.parametrize(
    "source",
    [
        "import secrets\nsecrets.token_urlsafe(8)",
        "from django.core import signing\nsigning.dumps(1, salt='x')",
        "from django.core.signing import dumps",
        "from django.utils.crypto import salted_hmac",
        "from django.utils import crypto\ncrypto.get_random_string(5)",
        "import os\nos.urandom(8)",
        "from django.contrib.auth.tokens import default_token_generator",
        "import hmac as h",
        "from rest_framework.authtoken.models import Token\nToken.generate_key()",
    ],
)
def test_the_scan_catches_a_new_call_site(source):
    assert primitives_in(source)


@pytest.mark.parametrize(
    "source",
    [
        "import hashlib\nhashlib.sha256(b'x')",
        "import uuid\nuuid.uuid4().hex",
        "from tenants import signing\nsigning.token_mint('x')",
    ],
)
def test_the_scan_lets_the_helper_and_checksums_be(source):
    assert primitives_in(source) == []
