"""How the API knows who is asking: DRF tokens that expire, API keys, the session; the owner's
"staff must use two-factor" on all three; throttles keyed on the real client address.

API keys: `Authorization: Api-Key kab_…`.

A key acts as the person who made it (the owner), narrowed to its scopes: each view says which
scope each method needs (`key_scopes = {"GET": "clients:read"}`); a view that says nothing is
closed to keys. This is checked when the key is authenticated, so no view can forget it.
Requests are limited per key, at the rate of the cabinet's plan (API_KEY_RATES).
"""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from billing.limits import plan_for
from rbac.api_keys import api_key_find
from rbac.models import ApiKey, User
from rbac.second_factor import staff_second_factor_missing
from rbac.sign_in import api_token_expired
from tenants.client_address import client_ip

KEYWORD = "Api-Key"


def _refuse_staff_without_second_factor(user: User) -> None:
    if staff_second_factor_missing(user):
        raise PermissionDenied(_("This cabinet asks staff to set up two-factor sign-in first."))


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, ending `API_TOKEN_TTL_HOURS` after it was issued (rbac.sign_in)."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user, token = super().authenticate_credentials(key)  # unknown or inactive: 401
        if api_token_expired(token):
            token.delete()
            raise AuthenticationFailed(_("This token has expired: ask for a new one."))
        _refuse_staff_without_second_factor(user)
        return user, token


class StaffSessionAuthentication(SessionAuthentication):
    """The browser's session, with the same two-factor rule for staff as the token's."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        result = super().authenticate(request)
        if result is not None:
            _refuse_staff_without_second_factor(result[0])
        return result


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != KEYWORD:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Send the key as: Authorization: Api-Key kab_…")
        key = api_key_find(header[1].decode(errors="replace"))
        if key is None:
            raise AuthenticationFailed("Unknown or revoked API key.")
        needed = _scope_needed(request)
        if needed is None:
            raise PermissionDenied("This endpoint is not open to API keys.")
        if needed not in key.scopes:
            raise PermissionDenied(f"This key lacks the scope {needed!r}.")
        _refuse_staff_without_second_factor(key.created_by)
        return key.created_by, key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def _scope_needed(request: Request) -> str | None:
    match = getattr(request._request, "resolver_match", None)
    func = getattr(match, "func", None)
    # an APIView's class, or a viewset's (DRF's router gives its views `cls`, not `view_class`)
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    return getattr(view_class, "key_scopes", {}).get(request.method)


class ClientAddressThrottle(SimpleRateThrottle):
    """Keyed on the client's address behind our trusted proxies, never on a header it wrote."""

    def get_ident(self, request: Request) -> str:
        django_request: HttpRequest = getattr(request, "_request", request)
        return client_ip(django_request)


class TokenThrottle(ClientAddressThrottle, ScopedRateThrottle):
    """`/api/v1/auth/token/` per client address (`API_TOKEN_RATE`). Not the brute-force guard,
    which is allauth's per-account lockout (rbac.sign_in); this keeps the door no faster than
    the sign-in page."""


class ApiKeyThrottle(SimpleRateThrottle):
    """Requests per key, at the plan's rate; requests without a key are not counted here."""

    scope = "api_key"

    def get_rate(self) -> str | None:
        return None  # set per request, from the plan, in allow_request

    def allow_request(self, request: Request, view: object) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        plan = plan_for(connection.tenant)
        self.rate = settings.API_KEY_RATES.get(plan.code, settings.API_KEY_RATE_DEFAULT)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: object) -> str:
        return f"throttle:api-key:{connection.schema_name}:{request.auth.pk}"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the key: `Authorization: Api-Key kab_…`."""

    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API key made by the cabinet's owner: `Api-Key kab_…`. It acts "
            "with its maker's permissions, narrowed to its scopes.",
        }


class StaffSessionScheme(SessionScheme):
    """The session, described as drf-spectacular describes DRF's own."""

    target_class = "api.auth.StaffSessionAuthentication"
