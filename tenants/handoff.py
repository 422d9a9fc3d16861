"""Signed, single-use, short-lived tokens that carry a person from the platform's host to a
cabinet's host already signed in — never a cookie shared across subdomains.

The platform signs (schema, email, nonce[, impersonation]); the cabinet checks the signature,
the age and the schema, and records the nonce so the token works once (rbac.HandoffUse).
"""

from dataclasses import dataclass

from tenants import signing

PURPOSE = "tenants.handoff"
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
    landing: str = ""  # one of LANDINGS, or "" for the staff home


# Where a hand-off may land besides the staff home: names, never URLs.
LANDINGS = {"brand"}  # "brand": the optional colours-and-logo step right after signing up


def handoff_sign(
    *, schema_name: str, email: str, impersonator: str = "", reason: str = "", landing: str = ""
) -> str:
    """Signed on the platform's host for the cabinet `schema_name`: its schema is in the salt
    (so only that cabinet can read it) and in the payload."""
    payload = {"s": schema_name, "e": email, "n": signing.nonce()}
    if impersonator:
        payload.update(i=impersonator, r=reason)
    if landing in LANDINGS:
        payload["l"] = landing
    return signing.sign(PURPOSE, payload, schema=schema_name, compress=True)


def handoff_read(token: str, *, schema_name: str, max_age: int = MAX_AGE_SECONDS) -> Handoff:
    payload = signing.unsign(PURPOSE, token, max_age=max_age, schema=schema_name)
    if not isinstance(payload, dict) or payload.get("s") != schema_name:
        raise HandoffInvalid("expired, tampered with, or for another cabinet")
    return Handoff(
        schema_name=payload["s"],
        email=str(payload.get("e", "")),
        nonce=str(payload.get("n", "")),
        impersonator=str(payload.get("i", "")),
        reason=str(payload.get("r", "")),
        landing=str(payload.get("l", "")) if payload.get("l") in LANDINGS else "",
    )


def handoff_url(*, scheme: str, host: str, token: str) -> str:
    return f"{scheme}://{host}/staff/handoff/?t={token}"
