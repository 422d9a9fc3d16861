"""One sign-in policy for every door that is not django-allauth's own page: the API's token, and
the counts the login-code door adds to.

- The password is checked by allauth's adapter (`authenticate`), so the sign-in page's limits
  apply: `ACCOUNT_RATE_LIMITS["login_failed"]` per account and per client address, the address
  read behind our trusted proxies only (tenants.client_address).
- Until the password is proven, a wrong password, an unknown address, a deactivated account and
  an unverified one get the same answer.
- A second factor, where it is on, is checked by allauth's two-factor form: its wrong codes count
  against the same per-account limit the page's second step keeps.
- The owner's "staff must use two-factor" holds here as on the pages.

API tokens are DRF's (`rest_framework.authtoken.Token`, one per person), so deleting a row still
revokes it. A token lives `API_TOKEN_TTL_HOURS` from its issue; a password change or reset,
"sign out other sessions" and a deactivation end it sooner (`api_tokens_revoke`).
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from rbac.audit import audit_record
from rbac.models import User
from rbac.second_factor import (
    SecondFactorLocked,
    second_factor_code_valid,
    staff_second_factor_missing,
)
from tenants import signing
from tenants.second_factor import has_second_factor


@dataclass
class SignInRefused(Exception):
    """Why no credential was given, in the person's words, and the HTTP status it maps to."""

    status: int
    detail: str
    code: str


def _wrong_credentials() -> SignInRefused:
    # The one answer for a wrong password, an unknown address, an unverified or a deactivated
    # account whose password was not proven: nothing tells them apart.
    return SignInRefused(401, _("Wrong email or password."), "wrong_credentials")


def _locked() -> SignInRefused:
    return SignInRefused(
        429, _("Too many failed sign-in attempts. Try again later."), "too_many_attempts"
    )


def api_token_issue(*, request: HttpRequest, email: str, password: str, code: str = "") -> str:
    """The person's API token for this email and password (and second-factor code, where that
    is on), or SignInRefused. Every failure counts towards the account's lockout."""
    adapter = get_adapter(request)
    try:
        user = adapter.authenticate(request, email=email, password=password)
    except ValidationError as exc:  # allauth's "too_many_login_attempts": locked out
        raise _locked() from exc
    if user is None or not user.is_active:
        raise _wrong_credentials()
    # The password is proven: from here on, saying what is missing tells an attacker nothing.
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        raise SignInRefused(403, _("Verify your email address first."), "email_unverified")
    if has_second_factor(user):
        if not code:
            raise SignInRefused(
                401,
                _("This account uses two-factor sign-in: send a valid `code`."),
                "second_factor_required",
            )
        try:
            valid = second_factor_code_valid(request, user, code)
        except SecondFactorLocked as exc:
            raise _locked() from exc
        if not valid:
            raise SignInRefused(401, _("That two-factor code is not right."), "second_factor_wrong")
    elif staff_second_factor_missing(user):
        raise SignInRefused(
            403,
            _("This cabinet asks staff to set up two-factor sign-in first."),
            "second_factor_setup_required",
        )
    elif _sign_in_code_required():
        _sign_in_code_check(request=request, user=user, code=code)
    return _token_for(user=user, request=request).key


# --- A password alone is not enough (ASVS 6.3.3): the page asks a new browser for a one-time
# code, and the API, which has no browser to trust, asks every token request without a second
# factor for one, sent the way the page sends it (email, or SMS to a phone-only client).

SIGN_IN_CODE_PURPOSE = "rbac.api-sign-in-code"
SIGN_IN_CODE_DIGITS = "0123456789"


def _sign_in_code_required() -> bool:
    required = account_settings.LOGIN_BY_CODE_REQUIRED
    return required is True or (isinstance(required, set) and "password" in required)


def _sign_in_code_key(user: User) -> str:
    return f"rbac:api-sign-in-code:{user.pk}"


def _sign_in_code_check(*, request: HttpRequest, user: User, code: str) -> None:
    key = _sign_in_code_key(user)
    pending = cache.get(key)
    if not code or pending is None:
        # The page's own limit on sending codes (allauth's "request_login_code": per address
        # and per account), so the API cannot be used to flood someone's inbox or phone.
        if not ratelimit.consume(request, action="request_login_code", key=user.email.lower()):
            raise SignInRefused(
                429, _("Too many sign-in codes asked for. Try again later."), "too_many_codes"
            )
        fresh = signing.code_mint(SIGN_IN_CODE_DIGITS, 6)
        digest = signing.digest(SIGN_IN_CODE_PURPOSE, f"{user.pk}:{fresh}")
        cache.set(key, {"digest": digest, "tries": account_settings.LOGIN_BY_CODE_MAX_ATTEMPTS},
                  account_settings.LOGIN_BY_CODE_TIMEOUT)  # fmt: skip
        get_adapter(request).send_mail(
            "account/email/login_code", user.email, {"request": request, "code": fresh}
        )
        raise SignInRefused(
            401,
            _("We sent you a sign-in code: send it back as `code` with your password."),
            "sign_in_code_sent",
        )
    if signing.digest_matches(
        SIGN_IN_CODE_PURPOSE, f"{user.pk}:{code.strip()[:12]}", pending["digest"]
    ):
        cache.delete(key)
        return
    account_failure_record(request=request, user=user)
    pending["tries"] -= 1
    if pending["tries"] <= 0:
        cache.delete(key)
    else:
        cache.set(key, pending, account_settings.LOGIN_BY_CODE_TIMEOUT)
    raise SignInRefused(401, _("That sign-in code is not right."), "sign_in_code_wrong")


@transaction.atomic
def _token_for(*, user: User, request: HttpRequest) -> Token:
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and api_token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
        audit_record(action="api.token_issued", actor=user, target=user, request=request)
    return token


def api_token_expired(token: Token) -> bool:
    lifetime = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    return token.created + lifetime <= timezone.now()


def api_tokens_revoke(*, user: User, reason: str, request: HttpRequest | None = None) -> int:
    """End the person's API tokens (a password change, signing out elsewhere, deactivation)."""
    with transaction.atomic():
        deleted, _rows = Token.objects.filter(user=user).delete()
        if deleted:
            audit_record(action="api.tokens_revoked", actor=user, target=user, reason=reason,
                         request=request)  # fmt: skip
    return deleted


# --- The login-code door: its wrong codes count against the same per-account limit ---------------


def _account_keys(request: HttpRequest, user: User) -> list[str]:
    """The per-account keys a person's failures are counted under: by email, and by phone."""
    adapter = get_adapter(request)
    keys = [adapter._get_login_attempts_cache_key(request, email=user.email)]
    if user.phone and user.phone_verified:
        keys.append(adapter._get_login_attempts_cache_key(request, phone=user.phone))
    return keys


def account_failure_record(*, request: HttpRequest, user: User) -> None:
    """One more failed sign-in for this account, counted as a wrong password is."""
    for key in _account_keys(request, user):
        ratelimit.consume(request, action="login_failed", key=key)


def login_attempts_exhausted(request: HttpRequest, **credentials: str) -> bool:
    """Whether the account named by these credentials (known or not: the answer must not say)
    has used up its failed sign-ins for now. Counts nothing."""
    key = get_adapter(request)._get_login_attempts_cache_key(request, **credentials)
    return not ratelimit.consume(request, action="login_failed", key=key, dry_run=True)
