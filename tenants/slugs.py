"""What a tenant's slug may be: one DNS label that also names its schema."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SLUG_MIN, SLUG_MAX = 3, 40
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
_SLUG_RE = re.compile(SLUG_PATTERN)
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "control", "static", "media", "mail", "smtp", "imap", "pop",
        "app", "apps", "billing", "health", "status", "public", "platform", "kabinet", "help",
        "support", "docs", "blog", "cdn", "assets", "auth", "login", "signup", "account",
        "accounts", "dashboard", "staff", "root", "system", "test", "demo-admin", "ftp", "ns1",
        "ns2", "dns", "webmail", "information-schema",
    }
)  # fmt: skip


def normalize_slug(raw: str) -> str:
    """Lower-case and validate; raises ValidationError with a message for the person typing."""
    slug = (raw or "").strip().lower()
    if not SLUG_MIN <= len(slug) <= SLUG_MAX:
        raise ValidationError(
            _("The address must be %(min)d to %(max)d characters long.")
            % {"min": SLUG_MIN, "max": SLUG_MAX},
            code="length",
        )
    if not slug.isascii() or not _SLUG_RE.match(slug):
        raise ValidationError(
            _("Use Latin letters, digits and hyphens; start and end with a letter or digit."),
            code="invalid",
        )
    if slug.startswith("xn--") or "--" in slug[2:4] or slug.startswith("pg-"):
        raise ValidationError(_("This address is not available."), code="reserved")
    if slug in RESERVED_SLUGS or schema_is_reserved(schema_name_for(slug)):
        raise ValidationError(_("This address is reserved."), code="reserved")
    return slug


# Schemas the platform itself names: `public`, PostgreSQL's own, the templates every cabinet is
# cloned from (tpl_base, tpl_<vertical>), the warm pool's spares and a restore's side schemas.
# A tenant whose slug mapped onto one of them would own (or overwrite) the platform's.
RESERVED_SCHEMAS = frozenset({"public", "information_schema"})
RESERVED_SCHEMA_PREFIXES = ("pg_", "spare_", "aside_")


def template_schema_prefix() -> str:
    """`tpl_` for the default TENANT_TEMPLATE_SCHEMA `tpl_base` (as schema_templates names them)."""
    return settings.TENANT_TEMPLATE_SCHEMA.removesuffix("_base") + "_"


def schema_is_reserved(schema_name: str) -> bool:
    return (
        schema_name in RESERVED_SCHEMAS
        or schema_name == settings.TENANT_TEMPLATE_SCHEMA
        or schema_name.startswith((*RESERVED_SCHEMA_PREFIXES, template_schema_prefix()))
    )


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")
