"""API keys on the API: `Authorization: Api-Key kab_…`.

A key acts as the person who made it (the owner), narrowed to its scopes: each view says which
scope each method needs (`key_scopes = {"GET": "clients:read"}`); a view that says nothing is
closed to keys. This is checked when the key is authenticated, so no view can forget it.
Requests are limited per key, at the rate of the cabinet's plan (API_KEY_RATES).
"""

from django.conf import settings
from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from billing.limits import plan_for
from rbac.api_keys import api_key_find
from rbac.models import ApiKey, User

KEYWORD = "Api-Key"


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
        return key.created_by, key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def _scope_needed(request: Request) -> str | None:
    match = getattr(request._request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    return getattr(view_class, "key_scopes", {}).get(request.method)


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
