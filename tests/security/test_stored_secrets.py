"""ASVS 5.0 6.5.2 (docs/security.md): short lookup secrets are not kept in a form a leaked
database gives back: front-desk codes as a salted password hash, the recovery codes' seed and
TOTP keys sealed under a key that is not in the database and names the cabinet."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import InvalidToken
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.staff.tests.test_front_desk import create, slip_code
from cabinet.staff.tests.test_front_desk import desk as desk
from rbac.models import ClientInvitation
from tenants import signing
from tests.factories import PASSWORD, UserFactory
from tests.support.totp import current_code


def test_a_front_desk_code_is_kept_as_a_salted_password_hash(hotel, desk):
    # given: two slips for two guests
    first = slip_code(create(desk, email="one@example.com").content.decode())
    slip_code(create(desk, email="two@example.com").content.decode())

    # when: the stored hashes are read
    with tenant_context(hotel):
        hashes = list(ClientInvitation.objects.values_list("code_hash", flat=True))

    # then: each is a salted Argon2 hash (its own salt), with no trace of the code
    assert len(hashes) == 2
    assert {identify_hasher(h).algorithm for h in hashes} == {"argon2"}
    salts = {identify_hasher(h).decode(h)["salt"] for h in hashes}
    assert len(salts) == 2
    assert all(first.replace("-", "") not in h for h in hashes)
    # and the code still opens the cabinet
    guest = Client(HTTP_HOST="hotel.localhost")
    answer = guest.post(
        "/welcome/", {"login": "one@example.com", "code": first, "password": "a long passphrase"}
    )
    assert answer.status_code == 302


def test_recovery_codes_and_totp_keys_are_sealed_and_still_work(hotel, hotel_client):
    # given: a person with an authenticator app and recovery codes
    secret = generate_totp_secret()
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, secret)
        codes = RecoveryCodes.activate(guest).generate_codes()
        stored = {a.type: json.dumps(a.data) for a in Authenticator.objects.filter(user=guest)}

    # then: neither the TOTP key nor the seed (nor any code) is in the database as such
    assert secret not in stored[Authenticator.Type.TOTP]
    assert signing.SEALED_PREFIX in stored[Authenticator.Type.TOTP]
    assert signing.SEALED_PREFIX in stored[Authenticator.Type.RECOVERY_CODES]
    assert not any(code in stored[Authenticator.Type.RECOVERY_CODES] for code in codes)

    # when: both are used at the API's door
    def ask(code: str) -> int:
        body = json.dumps({"email": guest.email, "password": PASSWORD, "code": code})
        return hotel_client.post(
            "/api/v1/auth/token/", body, content_type="application/json"
        ).status_code

    by_totp = ask(current_code(secret))
    by_recovery = ask(codes[0])

    # then: they work
    assert (by_totp, by_recovery) == (200, 200)


def test_a_sealed_secret_does_not_open_in_another_cabinet(hotel, shop):
    sealed = signing.seal("mfa.secret", "JBSWY3DPEHPK3PXP", schema=hotel.schema_name)
    assert signing.unseal("mfa.secret", sealed, schema=hotel.schema_name) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidToken):
        signing.unseal("mfa.secret", sealed, schema=shop.schema_name)


def test_a_sealed_secret_still_opens_after_the_platform_key_is_rotated(settings):
    # given: an authenticator key sealed under today's platform key
    sealed = signing.seal("mfa", "JBSWY3DPEHPK3PXP", schema="hotel")

    # when: the key is rotated, the old one kept among the fallbacks
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-platform-key-" + "x" * 40

    # then: the secret still opens, and new seals use the new key
    assert signing.unseal("mfa", sealed, schema="hotel") == "JBSWY3DPEHPK3PXP"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        signing.unseal("mfa", sealed, schema="hotel")
    assert signing.unseal("mfa", signing.seal("mfa", "k", schema="hotel"), schema="hotel") == "k"
