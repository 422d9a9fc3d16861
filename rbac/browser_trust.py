"""allauth's "trust this browser" cookie, bound to the cabinet.

allauth signs the cookie with the platform's key over a fingerprint of the user's id, password
hash and factors. Cabinets share that key and their ids collide, so a twin with the same id and
the same password hash in another cabinet (a copied account) would be trusted there too. The
fingerprint is made again over the current schema's name, so a cookie trusted in one cabinet is
a forged one in every other. allauth calls the fingerprint through its module, both when it
trusts a browser and when it checks one; tests/isolation/test_signed_artifacts.py holds us to it.
"""

from allauth.mfa.internal.flows import trust

from tenants import signing

_allauth_fingerprint = trust.create_config_fingerprint


def fingerprint_in_cabinet(user) -> str:
    """allauth's fingerprint, under an HMAC salted with the current schema (tenants.signing)."""
    return signing.digest("rbac.browser-trust", _allauth_fingerprint(user))


def install() -> None:
    trust.create_config_fingerprint = fingerprint_in_cabinet
