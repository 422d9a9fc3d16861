"""allauth's "trust this browser" cookie, bound to the cabinet.

allauth signs the cookie with the platform's key over a fingerprint of the user's id, password
hash and factors. Cabinets share that key and their ids collide, so a twin with the same id and
the same password hash in another cabinet (a copied account) would be trusted there too. The
fingerprint is made again over the current schema's name, so a cookie trusted in one cabinet is
a forged one in every other. allauth calls the fingerprint through its module, both when it
trusts a browser and when it checks one; tests/isolation/test_signed_artifacts.py holds us to it.
"""

from allauth.mfa.internal.flows import trust
from django.db import connection
from django.utils.crypto import salted_hmac

_allauth_fingerprint = trust.create_config_fingerprint


def fingerprint_in_cabinet(user) -> str:
    bound = f"{connection.schema_name}|{_allauth_fingerprint(user)}"
    return salted_hmac("kabinet.mfa.trust", bound, algorithm="sha256").hexdigest()


def install() -> None:
    trust.create_config_fingerprint = fingerprint_in_cabinet
