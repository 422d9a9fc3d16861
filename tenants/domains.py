"""Custom domains: the owner adds one, proves control of it with a DNS TXT record, and from then
on it routes to the tenant (tenants.routing serves only verified domains) and can be made primary.

A claim does not block the name's real owner: an unverified one lapses after
UNVERIFIED_CLAIM_DAYS (the next cabinet to add the name gets it), and at any time whoever
controls the name's DNS can take it over from another cabinet by publishing the TXT record
`claim_record` gives their own cabinet (domain_take_over). DNS control is the proof, as for
verifying; a verified domain moves too, since its DNS now says it belongs elsewhere.

Each service owns its transaction and records a TenantEvent. The DNS lookup runs before, never
inside, a transaction, and the resolver is injectable so tests need no network. These checks
are DNS queries to the system's name servers; nothing connects to the tenant's host.
"""

import datetime as dt
import ipaddress
import logging
import re
from collections.abc import Callable
from typing import Protocol

import dns.exception
import dns.name
import dns.resolver
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tenants import signing
from tenants.models import Domain, Tenant, TenantEvent

logger = logging.getLogger(__name__)

VERIFY_LABEL = "_kabinet-verify"
VERIFY_VALUE_PREFIX = "kabinet-verify="
DNS_LIFETIME_SECONDS = 3.0
MAX_HOSTNAME_LENGTH = 253
# The TXT record lives at `_kabinet-verify.<hostname>`, which must itself be a valid name.
MAX_CUSTOM_HOSTNAME_LENGTH = MAX_HOSTNAME_LENGTH - len(VERIFY_LABEL) - 1
MAX_LABEL_LENGTH = 63
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# What browsers (the WHATWG URL parser) read as an IPv4 address when it is the last label:
# decimal or 0x-hex numbers, so `127.1` or `0x7f.0x1` never pass as a host name.
_NUMERIC_LABEL_RE = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")
# An unverified claim older than this no longer keeps the name from another cabinet.
UNVERIFIED_CLAIM_DAYS = 7


class Action:
    ADDED = "added"
    VERIFIED = "verified"
    PRIMARY = "primary"
    REMOVED = "removed"
    EXPIRED = "expired"  # an unverified claim lapsed and another cabinet added the name
    TAKEN_OVER = "taken_over"  # the name's DNS proved it belongs to another cabinet


# --- Host names -------------------------------------------------------------------------------


def _invalid() -> ValidationError:
    return ValidationError(
        _("Enter a valid domain name, such as cabinet.example.com."), code="invalid"
    )


def _platform_domain() -> str:
    return settings.PLATFORM_DOMAIN.strip().lower().rstrip(".")


def _to_ascii(name: str) -> str:
    """IDNA 2008 (UTS #46 mapping, as browsers do) when the `idna` package is present, else
    IDNA 2003: `отель.рф` becomes `xn--e1amhq6c.xn--p1ai`."""
    try:
        return dns.name.from_unicode(name).to_text(omit_final_dot=True)
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise _invalid() from exc


def _a_label_is_valid(label: str) -> bool:
    codec = dns.name.IDNA_2008_Strict if dns.name.have_idna_2008 else dns.name.IDNA_2003
    try:
        codec.decode(label.encode("ascii"))
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return False
    return True


def normalize_hostname(raw: str) -> str:
    """The host name as stored and routed: stripped, lower-case, without the trailing dot,
    punycode for international names. Raises ValidationError saying what is wrong."""
    name = (raw or "").strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise ValidationError(_("Enter a domain name."), code="required")
    if len(name) > 4 * MAX_HOSTNAME_LENGTH:  # not worth the IDNA work
        raise ValidationError(_("This domain name is too long."), code="length")
    if not name.isascii():
        name = _to_ascii(name).lower()
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError(_("Use a domain name, not an IP address."), code="ip")
    labels = name.split(".")
    if _NUMERIC_LABEL_RE.match(labels[-1]):
        raise ValidationError(_("Use a domain name, not an IP address."), code="ip")
    platform = _platform_domain()
    if name == platform or name.endswith(f".{platform}"):
        raise ValidationError(
            _("Addresses under %(platform)s are given by the platform; use your own domain.")
            % {"platform": platform},
            code="platform",
        )
    if len(name) > MAX_CUSTOM_HOSTNAME_LENGTH:
        raise ValidationError(
            _("A domain name may be at most %(max)d characters long.")
            % {"max": MAX_CUSTOM_HOSTNAME_LENGTH},
            code="length",
        )
    if any(len(label) > MAX_LABEL_LENGTH for label in labels):
        raise ValidationError(
            _("Each part of a domain name may be at most %(max)d characters long.")
            % {"max": MAX_LABEL_LENGTH},
            code="length",
        )
    for label in labels:
        if not _LABEL_RE.match(label):
            raise _invalid()
        if label.startswith("xn--") and not _a_label_is_valid(label):
            raise _invalid()
    if len(labels) < 2:
        raise ValidationError(
            _("Enter a full domain name, such as cabinet.example.com."), code="incomplete"
        )
    return name


# --- DNS --------------------------------------------------------------------------------------


class Resolver(Protocol):
    def txt_records(self, name: str) -> list[str]:
        """The TXT records published at `name`, each one's strings joined; [] if none."""
        ...


class DnsPythonResolver:
    """Asks the system's name servers, giving up after `lifetime` seconds."""

    def __init__(self, *, lifetime: float = DNS_LIFETIME_SECONDS) -> None:
        self.lifetime = lifetime

    def txt_records(self, name: str) -> list[str]:
        try:
            resolver = dns.resolver.Resolver()
            resolver.timeout = self.lifetime
            resolver.lifetime = self.lifetime
            answer = resolver.resolve(name, "TXT", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException:  # no name servers answered, timeout, bad name
            logger.warning("TXT lookup of %s failed", name, exc_info=True)
            return []
        return [b"".join(record.strings).decode("utf-8", errors="replace") for record in answer]


def default_resolver() -> Resolver:
    """settings.TENANT_DOMAIN_RESOLVER (a dotted path to a callable returning a Resolver) if
    set, else a DnsPythonResolver."""
    factory_path = getattr(settings, "TENANT_DOMAIN_RESOLVER", None)
    if factory_path:
        return import_string(factory_path)()
    return DnsPythonResolver()


def verification_record(domain: Domain) -> tuple[str, str]:
    """The TXT record (name, value) the owner publishes to prove control of `domain`."""
    return f"{VERIFY_LABEL}.{domain.domain}", f"{VERIFY_VALUE_PREFIX}{domain.verification_token}"


def _claim_token(*, tenant: Tenant, hostname: str) -> str:
    # Derived, not stored: the same for this cabinet and name every time it is shown, and
    # bound to both (a tenant's id is unique on the platform; its schema is named too).
    return signing.digest(
        "tenants.domains.claim", f"{tenant.pk}:{hostname}", schema=tenant.schema_name
    )[:32]


def claim_record(*, tenant: Tenant, hostname: str) -> tuple[str, str]:
    """The TXT record (name, value) that proves `tenant` controls `hostname`, which another
    cabinet holds: publishing it lets domain_take_over move the name to `tenant`."""
    name = normalize_hostname(hostname)
    token = _claim_token(tenant=tenant, hostname=name)
    return f"{VERIFY_LABEL}.{name}", f"{VERIFY_VALUE_PREFIX}{token}"


def claim_expires_at(domain: Domain) -> dt.datetime | None:
    """When an unverified claim stops keeping the name from other cabinets; None if verified."""
    if domain.is_verified:
        return None
    return domain.created_at + dt.timedelta(days=UNVERIFIED_CLAIM_DAYS)


def _lapsed(domain: Domain) -> bool:
    expires = claim_expires_at(domain)
    return expires is not None and expires <= timezone.now()


def held_by_another(*, tenant: Tenant, hostname: str) -> bool:
    """Whether another cabinet holds `hostname` now (verified, or a claim still running)."""
    other = Domain.objects.filter(domain=hostname).exclude(tenant=tenant).first()
    return other is not None and other.is_custom and not _lapsed(other)


# --- Services ---------------------------------------------------------------------------------


def _record_event(*, tenant_id: int, hostname: str, action: str, actor_label: str) -> None:
    TenantEvent.objects.create(
        tenant_id=tenant_id,
        kind=TenantEvent.Kind.DOMAIN,
        detail={"domain": hostname, "action": action},
        actor_label=(actor_label or "system")[:254],
    )


def _gone() -> ValidationError:
    return ValidationError(_("This domain has been removed."), code="gone")


def domain_add(*, tenant: Tenant, hostname: str, actor_label: str = "system") -> Domain:
    """Attach a custom domain to `tenant`, unverified: it routes only once domain_verify saw
    its TXT record."""
    if tenant.is_public:
        raise ValueError("the platform's own tenant takes no custom domains")
    name = normalize_hostname(hostname)
    taken = ValidationError(
        _("This domain is already connected to a cabinet."), code="taken", params={"domain": name}
    )
    holder = Domain.objects.filter(domain=name).first()
    if holder is not None and (
        holder.tenant_id == tenant.pk or not holder.is_custom or not _lapsed(holder)
    ):
        raise taken
    try:
        with transaction.atomic():
            if holder is not None and not _release(
                domain_pk=holder.pk, tenant_id=holder.tenant_id, action=Action.EXPIRED,
                actor_label=actor_label, only_if=_lapsed,
            ):  # fmt: skip
                raise taken  # verified meanwhile
            domain = Domain.objects.create(
                tenant=tenant,
                domain=name,
                is_custom=True,
                is_verified=False,
                is_primary=False,
                verification_token=signing.token_mint(
                    "tenants.domain-verification", length=32, schema=tenant.schema_name
                ),
            )
            _record_event(
                tenant_id=tenant.pk, hostname=name, action=Action.ADDED, actor_label=actor_label
            )
    except IntegrityError as exc:  # added meanwhile by another request
        raise taken from exc
    return domain


def domain_verify(
    *, domain: Domain, resolver: Resolver | None = None, actor_label: str = "system"
) -> bool:
    """Look for the domain's TXT record; if it is there, mark the domain verified (it routes at
    once) and return True. Otherwise return False and change nothing."""
    if not domain.is_custom or not domain.verification_token:
        raise ValidationError(_("Only a custom domain is verified through DNS."), code="not_custom")
    if domain.is_verified:
        return True
    name, _value = verification_record(domain)
    published = {value.strip() for value in (resolver or default_resolver()).txt_records(name)}
    with transaction.atomic():
        locked = Domain.objects.select_for_update().filter(pk=domain.pk).first()
        if locked is None:
            raise _gone()
        if not locked.is_verified:
            # Compare with the stored token, not the caller's copy of it.
            if verification_record(locked)[1] not in published:
                return False
            locked.is_verified = True
            locked.save(update_fields=["is_verified"])
            _record_event(
                tenant_id=locked.tenant_id,
                hostname=locked.domain,
                action=Action.VERIFIED,
                actor_label=actor_label,
            )
    domain.is_verified = True
    return True


def domain_make_primary(*, domain: Domain, actor_label: str = "system") -> Domain:
    """Make a verified domain the tenant's primary address; its other domains stop being so."""
    with transaction.atomic():
        siblings = list(
            Domain.objects.select_for_update().filter(tenant_id=domain.tenant_id).order_by("pk")
        )
        target = next((d for d in siblings if d.pk == domain.pk), None)
        if target is None:
            raise _gone()
        if not target.is_verified:
            raise ValidationError(
                _("Verify the domain before making it the main address."), code="unverified"
            )
        if not target.is_primary:
            for other in siblings:
                if other.is_primary:
                    other.is_primary = False
                    other.save(update_fields=["is_primary"])
            target.is_primary = True
            target.save(update_fields=["is_primary"])
            _record_event(
                tenant_id=target.tenant_id,
                hostname=target.domain,
                action=Action.PRIMARY,
                actor_label=actor_label,
            )
    domain.is_primary = True
    return target


def _release(
    *, domain_pk: int, tenant_id: int, action: str, actor_label: str,
    only_if: Callable[[Domain], bool] | None = None,
) -> bool:  # fmt: skip
    """Detach a custom domain from its tenant, in the caller's transaction, locking the tenant's
    domains in primary-key order (as domain_make_primary does); if it was the primary address,
    the platform address (or another verified domain) becomes primary. False, changing nothing,
    when `only_if` says the domain no longer qualifies; True when it is gone already."""
    siblings = list(
        Domain.objects.select_for_update(of=("self",))
        .select_related("tenant")
        .filter(tenant_id=tenant_id)
        .order_by("pk")
    )
    target = next((d for d in siblings if d.pk == domain_pk), None)
    if target is None:
        return True
    if only_if is not None and not only_if(target):
        return False
    if target.is_primary:
        platform_host = f"{target.tenant.slug}.{_platform_domain()}"
        fallbacks = sorted(
            (d for d in siblings if d.pk != target.pk and d.is_verified),
            key=lambda d: (d.domain != platform_host, d.is_custom, d.pk),
        )
        if fallbacks:
            fallbacks[0].is_primary = True
            fallbacks[0].save(update_fields=["is_primary"])
    target.delete()
    _record_event(
        tenant_id=target.tenant_id, hostname=target.domain, action=action, actor_label=actor_label
    )
    return True


def domain_remove(*, domain: Domain, actor_label: str = "system") -> None:
    """Detach a custom domain. The platform address `<slug>.<platform>` stays for good; if the
    removed domain was the primary one, the platform address becomes primary again."""
    if not domain.is_custom:
        raise ValidationError(
            _("The cabinet's own address on the platform cannot be removed."), code="not_custom"
        )
    with transaction.atomic():
        if not Domain.objects.filter(pk=domain.pk).exists():
            raise _gone()
        _release(domain_pk=domain.pk, tenant_id=domain.tenant_id, action=Action.REMOVED,
                 actor_label=actor_label)  # fmt: skip


def domain_take_over(
    *, tenant: Tenant, hostname: str, resolver: Resolver | None = None, actor_label: str = "system"
) -> Domain:
    """Move `hostname` from the cabinet that holds it to `tenant`, verified, once the name's
    DNS carries `claim_record(tenant, hostname)`. Raises ValidationError when the record is not
    there (nothing changes) or when no other cabinet holds the name."""
    if tenant.is_public:
        raise ValueError("the platform's own tenant takes no custom domains")
    name = normalize_hostname(hostname)
    holder = Domain.objects.filter(domain=name).first()
    if holder is None or holder.tenant_id == tenant.pk or not holder.is_custom:
        raise ValidationError(_("No other cabinet holds this domain."), code="not_held")
    record_name, value = claim_record(tenant=tenant, hostname=name)
    published = {v.strip() for v in (resolver or default_resolver()).txt_records(record_name)}
    if value not in published:
        raise ValidationError(
            _("The TXT record for %(domain)s was not found yet.") % {"domain": name},
            code="not_found",
        )
    try:
        with transaction.atomic():
            _release(domain_pk=holder.pk, tenant_id=holder.tenant_id,
                     action=Action.TAKEN_OVER, actor_label=actor_label)  # fmt: skip
            domain = Domain.objects.create(
                tenant=tenant, domain=name, is_custom=True, is_verified=True, is_primary=False,
                verification_token=value.removeprefix(VERIFY_VALUE_PREFIX),
            )  # fmt: skip
            _record_event(
                tenant_id=tenant.pk, hostname=name, action=Action.TAKEN_OVER,
                actor_label=actor_label,
            )  # fmt: skip
    except IntegrityError as exc:  # another cabinet added it in the same instant
        raise ValidationError(
            _("This domain is already connected to a cabinet."), code="taken"
        ) from exc
    return domain
