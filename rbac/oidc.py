"""OpenID Connect sign-in with the ID token's signature always checked (ASVS 6.8.2).

allauth skips the signature when the token came straight from the provider's token endpoint
(OpenID Connect Core 3.1.3.7 allows it over TLS). Here the signature is checked every time,
against the issuer's published keys (its JWKS, fetched through the egress guard and cached an
hour per cabinet; a `kid` not found there fetches it once more, for a key just rotated in):

- only asymmetric algorithms (RS, PS, ES, EdDSA): `none` and HMAC algorithms are refused, so a
  token "signed" with the public key as an HMAC secret gets nowhere;
- the algorithm must be the one the key is published for;
- issuer, audience and expiry as allauth checks them, and allauth's replay check of `jti`.

The provider's login and callback views are allauth's own, with this adapter in them; these
URLs come before allauth's in the URL configuration.
"""

import hashlib
from typing import Any

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from rbac.oauth import provider_session
from tenants import egress

JWKS_CACHE_SECONDS = 3600
ID_TOKEN_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


def _jwks(jwks_uri: str, *, fresh: bool) -> dict[str, Any]:
    key = "oidc-jwks:" + hashlib.sha256(jwks_uri.encode()).hexdigest()
    if not fresh and (cached := cache.get(key)) is not None:
        return cached
    with provider_session() as http:
        response = http.get(jwks_uri)
    response.raise_for_status()
    keys = response.json()
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise OAuth2Error("The issuer's JWKS is not a key set")
    cache.set(key, keys, JWKS_CACHE_SECONDS)
    return keys


def _signing_key(jwks_uri: str, kid: str | None, alg: str) -> jwt.PyJWK:
    for fresh in (False, True):
        published = [
            k for k in _jwks(jwks_uri, fresh=fresh)["keys"]
            if isinstance(k, dict) and k.get("use", "sig") == "sig"
        ]  # fmt: skip
        matching = [k for k in published if k.get("kid") == kid] if kid else published[:1]
        if kid is None and len(published) != 1:
            matching = []  # without a kid, only an issuer with a single key is unambiguous
        if matching:
            return jwt.PyJWK(matching[0], algorithm=matching[0].get("alg") or alg)
    raise OAuth2Error(f"The issuer publishes no key {kid!r}")


def id_token_verify(*, id_token: str, jwks_uri: str, issuer: str, audience: str) -> dict:
    """The ID token's claims once its signature, issuer, audience and expiry are checked;
    OAuth2Error (allauth's "sign-in failed" page) otherwise."""
    try:
        header = jwt.get_unverified_header(id_token)
        alg = header.get("alg")
        if alg not in ID_TOKEN_ALGORITHMS:
            raise OAuth2Error(f"ID token algorithm {alg!r} is not accepted")
        key = _signing_key(jwks_uri, header.get("kid"), alg)
        if key.algorithm_name != alg:
            raise OAuth2Error("The ID token's algorithm is not its key's")
        claims = jwt.decode(
            id_token, key=key, algorithms=[alg], issuer=issuer, audience=audience,
            options={"require": ["iss", "aud", "exp", "sub"]},
        )  # fmt: skip
    except (jwt.PyJWTError, egress.RequestFailed, ValueError, KeyError, TypeError) as exc:
        raise OAuth2Error("Invalid id_token") from exc
    jwtkit.verify_jti(claims)
    return claims


class SignatureCheckingAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, with the ID token's signature always verified."""

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        return id_token_verify(
            id_token=id_token,
            jwks_uri=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
        )


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2LoginView.adapter_view(SignatureCheckingAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(SignatureCheckingAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


# Included at accounts/oidc/ before allauth's URLs: the same paths, these views.
urlpatterns = [
    path("<str:provider_id>/login/", login),
    path("<str:provider_id>/login/callback/", callback),
]
