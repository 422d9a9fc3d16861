"""API keys for a cabinet's integrations.

A key reads `kab_<prefix>_<secret>`: the prefix finds it, the secret is compared (in constant
time) with its SHA-256. The secret ends with a tag that binds it to this cabinet
(tenants.signing.token_mint), checked before anything is looked up: another cabinet's key gets
the answer a made-up one gets. Only the owner makes and revokes keys; a key acts with the
permissions of the person who made it, narrowed to its scopes, and stops working when either is
gone.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rbac.audit import audit_record
from rbac.models import ApiKey, User
from tenants import signing
from tenants.verticals import vertical_config

# The core's scopes; a vertical adds its own (VerticalConfig.api_scopes) on its cabinets.
SCOPES = {
    "clients:read": gettext_lazy("Read the clients (masked, as in the back office)"),
    "orders:read": gettext_lazy("Read orders"),
    "orders:write": gettext_lazy("Move orders along (accept, done, cancel)"),
    "catalog:read": gettext_lazy("Read the services and products, with their translations"),
    "catalog:write": gettext_lazy("Change the texts of services and products, per language"),
}
MAX_KEYS = 20
LAST_USED_EVERY = timedelta(minutes=1)  # last-used time is written at most this often
PURPOSE = "rbac.api-key"
# Keys made before secrets carried the cabinet's tag (43 characters of token_urlsafe): still
# found only in this cabinet's table, so they keep working until their owner rotates them.
UNTAGGED_LENGTH = 43


def scopes_here() -> dict[str, str | Promise]:
    """The scopes a key of the current cabinet may carry: the core's, then its vertical's."""
    config = vertical_config(getattr(connection.tenant, "vertical", "") or "")
    return {**SCOPES, **(config.api_scopes if config is not None else {})}


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str], by: User) -> tuple[ApiKey, str]:
    """The key and its full text, which is shown once and never stored."""
    if not by.is_superuser:
        raise PermissionDenied("only the owner makes API keys")
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError(_("Give the key a name, e.g. the system that will use it."))
    if not scopes or not set(scopes) <= set(scopes_here()):
        raise ValidationError(_("Choose what the key may do."))
    if ApiKey.objects.filter(revoked_at__isnull=True).count() >= MAX_KEYS:
        raise ValidationError(_("Revoke a key before making another (at most %(n)d).")
                              % {"n": MAX_KEYS})  # fmt: skip
    prefix, secret = signing.hex_mint(4), signing.token_mint(PURPOSE)
    key = ApiKey.objects.create(name=name, prefix=prefix, secret_hash=signing.token_hash(secret),
                                scopes=sorted(set(scopes)), created_by=by)  # fmt: skip
    audit_record(action="api_key.created", actor=by, target=key,
                 changes={"name": name, "scopes": key.scopes})  # fmt: skip
    return key, f"kab_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by: User) -> ApiKey:
    if not by.is_superuser:
        raise PermissionDenied("only the owner revokes API keys")
    if key.revoked_at is None:
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        audit_record(action="api_key.revoked", actor=by, target=key, changes={"name": key.name})
    key.refresh_from_db()
    return key


def api_key_find(raw: str) -> ApiKey | None:
    """The active key `raw` names, or None (malformed, unknown, wrong secret, revoked, or its
    maker no longer active)."""
    parts = raw.split("_", 2) if raw.startswith("kab_") else []
    if len(parts) != 3 or not parts[1] or len(raw) > 120:
        return None
    if len(parts[2]) != UNTAGGED_LENGTH and not signing.token_belongs(PURPOSE, parts[2]):
        return None  # forged, or another cabinet's
    key = (
        ApiKey.objects.select_related("created_by")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if key is None or not signing.hashes_match(key.secret_hash, parts[2]):
        return None
    if not key.created_by.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
