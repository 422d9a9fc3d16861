"""Sign-in providers chosen by a cabinet's owner: Google, GitLab or any OpenID Connect issuer,
each an allauth `SocialApp` in the tenant's own schema, so one cabinet's providers (and client
secrets) are unknown to every other. The issuer's discovery document is fetched when the owner
adds it, so a mistyped address is refused then, not when a client first tries it.

Every request to an issuer (discovery here; discovery, token, userinfo and JWKS made by
allauth through SocialAccountAdapter.get_requests_session) goes through the egress guard
(tenants.egress): public addresses only, checked on the connection, answers capped."""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rbac.audit import audit_record
from rbac.models import User
from tenants import egress

PROVIDER = "openid_connect"
DISCOVERY = "/.well-known/openid-configuration"
DISCOVERY_TIMEOUT_SECONDS = 5
DISCOVERY_MAX_BYTES = 64 * 1024
# A JWKS or userinfo answer is small; a megabyte is far beyond any real one.
PROVIDER_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Preset:
    name: str
    server_url: str


PRESETS = {
    "google": Preset("Google", "https://accounts.google.com"),
    "gitlab": Preset("GitLab", "https://gitlab.com"),
}


def providers_list() -> list[SocialApp]:
    return list(SocialApp.objects.filter(provider=PROVIDER).order_by("name"))


def _server_url_clean(raw: str) -> str:
    url = raw.strip().removesuffix(DISCOVERY).rstrip("/")
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.OAUTH_ALLOW_PRIVATE_ISSUERS else ("https",)
    if parts.scheme not in allowed or not parts.hostname or parts.query or parts.fragment:
        raise ValidationError(
            _(
                "Enter the issuer's address, starting with https://, e.g. https://accounts.google.com."
            ),
            code="invalid",
        )
    egress.refuse_private_host(
        parts.hostname, port=parts.port or 443, allow_private=settings.OAUTH_ALLOW_PRIVATE_ISSUERS
    )
    return url


def provider_session() -> egress.HTTPSession:
    """The session allauth's OpenID Connect client makes its requests with (discovery, token,
    userinfo, JWKS): the egress guard's, redirects followed and each one checked again."""
    return egress.session(
        allow_private=settings.OAUTH_ALLOW_PRIVATE_ISSUERS, follow_redirects=True,
        timeout=settings.SOCIALACCOUNT_REQUESTS_TIMEOUT, max_bytes=PROVIDER_MAX_BYTES,
    )  # fmt: skip


def discovery_fetch(server_url: str) -> dict:
    """The issuer's OpenID configuration, or a ValidationError saying what is wrong with it."""
    guarded = egress.session(
        allow_private=settings.OAUTH_ALLOW_PRIVATE_ISSUERS,
        timeout=DISCOVERY_TIMEOUT_SECONDS, max_bytes=DISCOVERY_MAX_BYTES,
    )  # fmt: skip
    try:
        with guarded as http:
            response = http.get(server_url + DISCOVERY)
    except egress.ResponseTooLarge as exc:
        raise ValidationError(
            _("The issuer's configuration is larger than %(kb)d KB.")
            % {"kb": DISCOVERY_MAX_BYTES // 1024},
            code="bad_discovery",
        ) from exc
    except egress.EgressRefused as exc:
        raise ValidationError(
            _("This address is not on the public internet."), code="private"
        ) from exc
    except egress.RequestFailed as exc:
        raise ValidationError(
            _("The issuer did not answer (%(error)s).") % {"error": type(exc).__name__},
            code="unreachable",
        ) from exc
    body = response.content
    if response.status_code != 200:
        raise ValidationError(
            _("The issuer answered %(status)s instead of its OpenID configuration.")
            % {"status": response.status_code},
            code="bad_discovery",
        )
    try:
        config = json.loads(body)
    except ValueError as exc:
        raise ValidationError(
            _("The issuer's configuration is not JSON."), code="bad_json"
        ) from exc
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(config, dict) or any(not config.get(key) for key in needed):
        raise ValidationError(
            _("The issuer's configuration lacks %(keys)s.") % {"keys": ", ".join(needed)},
            code="incomplete_discovery",
        )
    return config


def provider_add(
    *, actor: User, preset: str, name: str, server_url: str, client_id: str, secret: str
) -> SocialApp:
    """Add a sign-in provider to this cabinet; checks the issuer answers before saving."""
    chosen = PRESETS.get(preset)
    name = (name or (chosen.name if chosen else "")).strip()
    if not name:
        raise ValidationError({"name": _("Give the button a name, e.g. “Company ID”.")})
    url = chosen.server_url if chosen else server_url
    try:
        url = _server_url_clean(url)
    except ValidationError as exc:
        raise ValidationError({"server_url": exc.messages}) from exc
    provider_id = slugify(preset if chosen else name)[:40] or "oidc"
    if SocialApp.objects.filter(provider=PROVIDER, provider_id=provider_id).exists():
        raise ValidationError({"name": _("This cabinet already has a provider of that name.")})
    try:
        discovery_fetch(url)  # a network call: before the transaction, never inside it
    except ValidationError as exc:
        raise ValidationError({"server_url": exc.messages}) from exc
    with transaction.atomic():
        app = SocialApp.objects.create(
            provider=PROVIDER, provider_id=provider_id, name=name[:40],
            client_id=client_id.strip(), secret=secret.strip(), settings={"server_url": url},
        )  # fmt: skip
        audit_record(action="oauth.provider_added", actor=actor, target=app,
                     changes={"name": app.name, "server_url": url})  # fmt: skip
    return app


@transaction.atomic
def provider_remove(*, actor: User, pk: int) -> None:
    app = SocialApp.objects.filter(provider=PROVIDER, pk=pk).first()
    if app is None:
        return
    audit_record(action="oauth.provider_removed", actor=actor, target=app,
                 changes={"name": app.name})  # fmt: skip
    app.delete()
