"""Everything a cabinet signs, HMACs or mints names its cabinet.

Primary keys repeat across schemas, so a value signed as "EmailAddress 7" or "booking 12" in the
hotel would be just as genuine in the shop. Every signature and HMAC made here has the schema in
its salt, and every random token a caller presents back carries a tag bound to the schema; using
either in another cabinet gets exactly the answer a forged one gets. The schema is the
connection's current one unless the caller names the cabinet it mints for (the platform signs a
hand-off for a cabinet while it is still in `public`).

This is the only module that calls the signing, HMAC and random primitives; a test
(tests/isolation/test_signing_call_sites.py) fails when another one does.
"""

import base64
import hashlib
import hmac
import secrets
import string
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.db import connection
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

TOKEN_ALPHABET = string.ascii_lowercase + string.digits  # survives lower-casing and URLs
TAG_LENGTH = 16  # hex characters of the schema tag on a minted token (64 bits)


def current_schema() -> str:
    return connection.schema_name


def salt(purpose: str, *, schema: str | None = None) -> str:
    """The salt for `purpose` in `schema` (the current one by default)."""
    return f"kabinet:{schema or current_schema()}:{purpose}"


# --- Signed values (django.core.signing, the schema in the salt) ---------------------------------


def sign(purpose: str, value: Any, *, schema: str | None = None, compress: bool = False) -> str:
    """A URL-safe, timestamped signature of a JSON-able value, valid only in `schema`."""
    return signing.dumps(value, salt=salt(purpose, schema=schema), compress=compress)


def unsign(purpose: str, token: str, *, max_age: int, schema: str | None = None) -> Any | None:
    """The value `token` carries, or None when it is forged, expired, made for another purpose
    or in another cabinet — the same None for all of these."""
    try:
        return signing.loads(str(token)[:2000], salt=salt(purpose, schema=schema), max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None


# --- HMACs of a message (the schema in the key's salt) ------------------------------------------


def digest(purpose: str, message: str, *, schema: str | None = None) -> str:
    """Hex HMAC-SHA256 of `message` under the platform key, salted with purpose and schema."""
    return salted_hmac(salt(purpose, schema=schema), message, algorithm="sha256").hexdigest()


def digest_matches(purpose: str, message: str, presented: str, *, length: int = 64) -> bool:
    """Whether `presented` is the first `length` characters of this cabinet's digest of
    `message` (case-insensitive, compared in constant time)."""
    expected = digest(purpose, message)[:length]
    return constant_time_compare(expected, str(presented).lower()[:length])


# --- Random tokens a caller presents back (a schema tag appended) -------------------------------


def token_mint(purpose: str, *, length: int = 48, schema: str | None = None) -> str:
    """A random token ([a-z0-9], `length` + 16 characters) whose last 16 characters are an
    HMAC of the rest, bound to purpose and schema: check it with `token_belongs`."""
    body = get_random_string(length, TOKEN_ALPHABET)
    return body + digest(purpose, body, schema=schema)[:TAG_LENGTH]


def token_belongs(purpose: str, token: str, *, schema: str | None = None) -> bool:
    """Whether `token` was minted for `purpose` in this cabinet (or `schema`)."""
    token = str(token).lower()
    if len(token) <= TAG_LENGTH or len(token) > 200:
        return False
    body, tag = token[:-TAG_LENGTH], token[-TAG_LENGTH:]
    return constant_time_compare(digest(purpose, body, schema=schema)[:TAG_LENGTH], tag)


def token_hash(token: str) -> str:
    """What is stored of a token shown once (API keys, invitations): its SHA-256."""
    return hashlib.sha256(str(token).encode()).hexdigest()


def hashes_match(stored: str, token: str) -> bool:
    return hmac.compare_digest(stored, token_hash(token))


# --- Random values that are not presented across hosts ------------------------------------------


def nonce(nbytes: int = 18) -> str:
    """A single-use random value carried inside a signed payload (already schema-bound)."""
    return secrets.token_urlsafe(nbytes)


def secret_mint(nbytes: int = 32) -> str:
    """A shared secret given to someone outside (a webhook receiver) and kept in the cabinet's
    own table; whatever it signs also names the cabinet (see `cabinet.notifications.outgoing`)."""
    return secrets.token_hex(nbytes)


def code_mint(alphabet: str, length: int) -> str:
    """A short code a person types (a pairing or check-in code). Too short to carry a tag: it is
    stored in the cabinet's own table, looked up only there, and tries are limited."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hex_mint(nbytes: int) -> str:
    """A random lookup prefix (an API key's): not a secret, found only in the cabinet's table."""
    return secrets.token_hex(nbytes)


# --- Secrets kept encrypted at rest (the schema in the key's salt) ------------------------------

SEALED_PREFIX = "sealed1:"


def _fernet(purpose: str, schema: str | None) -> MultiFernet:
    """Sealed under the current platform key; opened under it or any key in
    SECRET_KEY_FALLBACKS, so rotating the key does not lock people out of their authenticator."""
    keys = []
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        key = salted_hmac(salt(purpose, schema=schema), "fernet-key", secret=secret,
                          algorithm="sha256").digest()  # fmt: skip
        keys.append(Fernet(base64.urlsafe_b64encode(key)))
    return MultiFernet(keys)


def seal(purpose: str, text: str, *, schema: str | None = None) -> str:
    """`text` encrypted and authenticated (Fernet) under a key derived from the platform key,
    the purpose and the schema: a database dump alone reveals nothing, and a sealed value
    copied into another cabinet does not open there."""
    return SEALED_PREFIX + _fernet(purpose, schema).encrypt(text.encode()).decode()


def unseal(purpose: str, sealed: str, *, schema: str | None = None) -> str:
    """The text `seal` sealed. A value stored before sealing (no prefix) is returned as it is;
    one sealed elsewhere or tampered with raises `InvalidToken`."""
    if not sealed.startswith(SEALED_PREFIX):
        return sealed
    return _fernet(purpose, schema).decrypt(sealed.removeprefix(SEALED_PREFIX).encode()).decode()


def same(presented: str, expected: str) -> bool:
    """Whether a secret someone presents equals the expected one, compared in constant time
    (an operator's health token, a stored keyed hash against a freshly computed one)."""
    return constant_time_compare(str(presented), str(expected))


def hmac_sha256(key: str, message: bytes) -> str:
    """Hex HMAC-SHA256 under a caller's own shared secret (outgoing webhook signatures, whose
    receivers check them with the secret they were given)."""
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


class SchemaPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """Django's password reset tokens (HMAC of the user's id, password hash, last sign-in and
    email), with the schema in the HMAC's salt."""

    purpose = "password-reset"

    @property
    def key_salt(self) -> str:  # type: ignore[override]
        return salt(self.purpose)
