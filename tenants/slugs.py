"""What a tenant's slug may be: one DNS label that also names its schema."""

import re

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
    if slug in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved."), code="reserved")
    return slug


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")
