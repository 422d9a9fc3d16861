"""Password checks beyond Django's (ASVS 5.0 V6.2, docs/security.md): a password may not be
built from the words of its context, and may not be one that is known from a breach.

Both are in AUTH_PASSWORD_VALIDATORS, so every place that sets a password runs them: allauth's
signup, change, set and reset, a staff invitation's acceptance, the front desk's `/welcome/`
and the business signup (whose owner password is set through `validate_password` too).

**Context words** (ASVS 6.1.2, 6.2.11). The list, documented in docs/security.md:

- the platform's name, `kabinet`;
- the cabinet's name (whole and word by word), its slug and the names of its domains;
- the person's own email address (its local part, and its domain's first label) and full name.

A word counts from 4 letters. A password is refused when, once every such word and every
character that is not a letter are taken out, fewer than 8 letters remain: "Kabinet2026!",
"seaside-hotel-1", "anna.petrova99" fail; a passphrase that merely mentions the hotel passes.

**Breached passwords** (ASVS 6.2.12): a k-anonymity range query in the "Pwned Passwords"
style. Only the first 5 hex characters of the password's SHA-1 leave the server; the service
answers with every suffix it knows under that prefix (padded, so the answer's size says
nothing) and the match is made here. The request goes through the egress guard with a short
timeout; when the service cannot be reached the check fails open (the other checks still run)
and a warning is logged. `PWNED_PASSWORDS_URL` empty turns the check off.
"""

import hashlib
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from tenants import egress

logger = logging.getLogger(__name__)

PLATFORM_WORDS = ("kabinet",)
MIN_WORD_LETTERS = 4
MIN_OWN_LETTERS = 8
BREACH_TIMEOUT_SECONDS = 2.0
BREACH_MAX_BYTES = 256 * 1024  # a padded range answer is about 30 KB
_NOT_A_LETTER = re.compile(r"[\W\d_]+")


def _letters(text: str) -> str:
    return _NOT_A_LETTER.sub("", text.casefold())


def _words_of(text: str) -> set[str]:
    """`text` whole (letters only) and each of its words, those of at least 4 letters."""
    parts = {_letters(text), *(_letters(p) for p in re.split(r"[\s.@_+-]+", text))}
    return {p for p in parts if len(p) >= MIN_WORD_LETTERS}


def _cabinet_words() -> set[str]:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        return set()
    words = _words_of(tenant.name) | _words_of(tenant.slug)
    for domain in tenant.domains.values_list("domain", flat=True):
        words |= _words_of(domain.split(":")[0].rsplit(".", 1)[0])
    return words


def _person_words(user: object) -> set[str]:
    words: set[str] = set()
    email = getattr(user, "email", "") or ""
    if email:
        local, _at, domain = email.partition("@")
        words |= _words_of(local) | _words_of(domain.split(".")[0])
    return words | _words_of(getattr(user, "full_name", "") or "")


def context_words(user: object = None) -> set[str]:
    """The words a password of `user` in the current cabinet may not be made of."""
    return {*PLATFORM_WORDS, *_cabinet_words(), *_person_words(user)}


class ContextWordsValidator:
    """Refuses a password made mostly of the platform's, the cabinet's or the person's words."""

    def validate(self, password: str, user: object = None) -> None:
        letters = _letters(password)
        found = [w for w in sorted(context_words(user), key=len, reverse=True) if w in letters]
        if not found:
            return
        rest = letters
        for word in found:
            rest = rest.replace(word, "")
        if len(rest) < MIN_OWN_LETTERS:
            raise ValidationError(
                _(
                    "This password is too easy to guess here: it is made of this site's or "
                    "your own name. Add words of your own."
                ),
                code="password_context_words",
            )

    def get_help_text(self) -> str:
        return _("Your password can’t be made of this site’s name or your own name.")


def breach_count(password: str) -> int | None:
    """How many times the password appears in known breaches, or None when the service could
    not be asked (not configured, or unreachable: then a warning is logged)."""
    base = settings.PWNED_PASSWORDS_URL
    if not base:
        return None
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    guarded = egress.session(
        allow_private=settings.PWNED_PASSWORDS_ALLOW_PRIVATE,
        timeout=BREACH_TIMEOUT_SECONDS, max_bytes=BREACH_MAX_BYTES,
    )  # fmt: skip
    try:
        with guarded as http:
            response = http.get(base.rstrip("/") + "/" + prefix, headers={"Add-Padding": "true"})
        response.raise_for_status()
        lines = response.content.decode("ascii").splitlines()
    except (egress.RequestFailed, UnicodeDecodeError) as exc:
        logger.warning("breached-password check skipped: %s", type(exc).__name__)
        return None
    for line in lines:
        candidate, _colon, count = line.strip().partition(":")
        if candidate.upper() == suffix:
            return int(count) if count.isdigit() else 0
    return 0


class BreachedPasswordValidator:
    """Refuses a password found in known breaches (a k-anonymity range query)."""

    def validate(self, password: str, user: object = None) -> None:
        if breach_count(password):
            raise ValidationError(
                _(
                    "This password has appeared in a data breach elsewhere, so attackers try "
                    "it first. Choose another one."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Your password can’t be one that is known from a data breach.")
