"""Signed, single-use, short-lived tokens that carry a person from the platform's host to a
cabinet's host already signed in — never a cookie shared across subdomains.

The platform signs (schema, email, nonce[, impersonation]); the cabinet checks the signature,
the age and the schema, and records the nonce so the token works once (rbac.HandoffUse).
"""

import secrets
from dataclasses import dataclass

from django.core import signing

SALT = "kabinet.tenants.handoff"
MAX_AGE_SECONDS = 60


class HandoffInvalid(Exception):
    """Expired, tampered with, or meant for another cabinet."""


@dataclass(frozen=True)
class Handoff:
    schema_name: str
    email: str
    nonce: str
    impersonator: str = ""
    reason: str = ""


def handoff_sign(*, schema_name: str, email: str, impersonator: str = "", reason: str = "") -> str:
    payload = {"s": schema_name, "e": email, "n": secrets.token_urlsafe(18)}
    if impersonator:
        payload.update(i=impersonator, r=reason)
    return signing.dumps(payload, salt=SALT, compress=True)


def handoff_read(token: str, *, schema_name: str, max_age: int = MAX_AGE_SECONDS) -> Handoff:
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise HandoffInvalid(str(exc)) from exc
    if not isinstance(payload, dict) or payload.get("s") != schema_name:
        raise HandoffInvalid("token for another cabinet")
    return Handoff(
        schema_name=payload["s"],
        email=str(payload.get("e", "")),
        nonce=str(payload.get("n", "")),
        impersonator=str(payload.get("i", "")),
        reason=str(payload.get("r", "")),
    )


def handoff_url(*, scheme: str, host: str, token: str) -> str:
    return f"{scheme}://{host}/staff/handoff/?t={token}"
