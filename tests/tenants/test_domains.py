import datetime as dt

import dns.resolver
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tenants.domains import (
    UNVERIFIED_CLAIM_DAYS,
    DnsPythonResolver,
    claim_record,
    default_resolver,
    domain_add,
    domain_make_primary,
    domain_remove,
    domain_take_over,
    domain_verify,
    verification_record,
)
from tenants.models import Domain, Tenant, TenantEvent

CUSTOM_HOST = "cabinet.hotel-example.com"


class FakeResolver:
    """Publishes what a test tells it to, and remembers what it was asked."""

    def __init__(self, records: dict[str, list[str]] | None = None) -> None:
        self.records = records or {}
        self.asked: list[str] = []

    def publish(self, domain: Domain) -> "FakeResolver":
        name, value = verification_record(domain)
        self.records.setdefault(name, []).append(value)
        return self

    def txt_records(self, name: str) -> list[str]:
        self.asked.append(name)
        return list(self.records.get(name, []))


def get_home(host: str) -> int:
    return Client(HTTP_HOST=host).get("/").status_code


def domain_events(tenant: Tenant) -> list[dict]:
    events = TenantEvent.objects.filter(tenant=tenant, kind=TenantEvent.Kind.DOMAIN)
    return [e.detail for e in events.order_by("created_at", "id")]


def verified_domain(tenant: Tenant, hostname: str = CUSTOM_HOST) -> Domain:
    domain = domain_add(tenant=tenant, hostname=hostname)
    assert domain_verify(domain=domain, resolver=FakeResolver().publish(domain))
    return domain


# --- adding -----------------------------------------------------------------------------------


def test_an_added_domain_is_unverified_and_does_not_route(hotel):
    # when
    domain = domain_add(tenant=hotel, hostname=f"  {CUSTOM_HOST.upper()}.  ", actor_label="owner")
    # then
    domain.refresh_from_db()
    assert domain.domain == CUSTOM_HOST
    assert domain.tenant == hotel
    assert (domain.is_custom, domain.is_verified, domain.is_primary) == (True, False, False)
    assert len(domain.verification_token) >= 32
    assert get_home(CUSTOM_HOST) == 404
    event = TenantEvent.objects.get(tenant=hotel, kind=TenantEvent.Kind.DOMAIN)
    assert event.detail == {"domain": CUSTOM_HOST, "action": "added"}
    assert event.actor_label == "owner"


def test_each_domain_gets_its_own_token(hotel):
    first = domain_add(tenant=hotel, hostname="one.hotel-example.com")
    second = domain_add(tenant=hotel, hostname="two.hotel-example.com")
    assert first.verification_token != second.verification_token


def test_the_verification_record_names_the_host_and_carries_the_token(hotel):
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    assert verification_record(domain) == (
        f"_kabinet-verify.{CUSTOM_HOST}",
        f"kabinet-verify={domain.verification_token}",
    )


def test_a_domain_used_by_another_tenant_is_refused(hotel, shop):
    # given
    domain_add(tenant=shop, hostname="shared.example.com")
    # when / then
    with pytest.raises(ValidationError, match="already connected") as exc:
        domain_add(tenant=hotel, hostname="Shared.Example.com.")
    assert exc.value.code == "taken"
    assert not Domain.objects.filter(tenant=hotel, domain="shared.example.com").exists()


def test_another_tenants_platform_address_is_refused(hotel, shop):
    with pytest.raises(ValidationError):
        domain_add(tenant=hotel, hostname="shop.localhost")
    assert Domain.objects.get(domain="shop.localhost").tenant == shop


@pytest.mark.parametrize(
    ("hostname", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        (".", "required"),
        ("127.0.0.1", "ip"),
        ("::1", "ip"),
        ("[::1]", "ip"),
        ("127.1", "ip"),
        ("0x7f.0x1", "ip"),
        ("１２７.０.０.１", "ip"),  # full-width digits map to an IP address
        ("localhost", "platform"),
        ("LOCALHOST.", "platform"),
        ("x.localhost", "platform"),
        ("hotel.localhost", "platform"),
        ("a.b.localhost", "platform"),
        ("ｘ.ｌｏｃａｌｈｏｓｔ", "platform"),  # full-width letters map to x.localhost
        ("a" * 64 + ".com", "length"),
        (".".join(["a" * 60] * 5), "length"),
        ("x" * 10_000, "length"),
        ("example", "incomplete"),
        ("bad host!", "invalid"),
        ("bad host!.com", "invalid"),
        ("under_score.example.com", "invalid"),
        ("-dash.example.com", "invalid"),
        ("dash-.example.com", "invalid"),
        ("a..example.com", "invalid"),
        ("example.com..", "invalid"),
        ("http://example.com", "invalid"),
        ("example.com/path", "invalid"),
        ("example.com:8000", "invalid"),
        ("user@example.com", "invalid"),
        ("<script>.example.com", "invalid"),
        ("xn--zz.example.com", "invalid"),  # not valid punycode
        ("bad host!.рф", "invalid"),
        ("a\u200db.example.com", "invalid"),  # zero-width joiner is not allowed there
    ],
)
def test_a_hostile_or_malformed_name_is_refused_and_creates_nothing(hotel, hostname, code):
    before = Domain.objects.count()
    with pytest.raises(ValidationError) as exc:
        domain_add(tenant=hotel, hostname=hostname)
    assert exc.value.code == code
    assert exc.value.messages[0]
    assert Domain.objects.count() == before
    assert not TenantEvent.objects.filter(kind=TenantEvent.Kind.DOMAIN).exists()


@pytest.mark.parametrize(
    ("hostname", "stored"),
    [
        ("отель.рф", "xn--e1amhq6c.xn--p1ai"),
        ("Кабинет.Отель.РФ.", "xn--80acmlhv0b.xn--e1amhq6c.xn--p1ai"),
        ("münchen.example", "xn--mnchen-3ya.example"),
        ("xn--mnchen-3ya.example", "xn--mnchen-3ya.example"),
        ("cabinet.example.com.", "cabinet.example.com"),
        ("notlocalhost.example", "notlocalhost.example"),
        ("localhost.example", "localhost.example"),
        ("1.example.com", "1.example.com"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
    ],
)
def test_a_good_name_is_stored_normalized(hotel, hostname, stored):
    assert domain_add(tenant=hotel, hostname=hostname).domain == stored
    assert Domain.objects.get(domain=stored).tenant == hotel


def test_the_platform_tenant_takes_no_custom_domains(db):
    with pytest.raises(ValueError, match="platform"):
        domain_add(tenant=Tenant.objects.get(schema_name="public"), hostname="x.example.com")


# --- verifying --------------------------------------------------------------------------------


def test_a_missing_record_leaves_the_domain_unverified(hotel):
    # given
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    resolver = FakeResolver()
    # when
    verified = domain_verify(domain=domain, resolver=resolver)
    # then
    assert verified is False
    assert resolver.asked == [f"_kabinet-verify.{CUSTOM_HOST}"]
    domain.refresh_from_db()
    assert domain.is_verified is False
    assert get_home(CUSTOM_HOST) == 404


@pytest.mark.parametrize(
    "published",
    [
        "kabinet-verify=wrong-token",
        "kabinet-verify=",
        "some other record",
    ],
)
def test_a_wrong_record_leaves_the_domain_unverified(hotel, published):
    # given
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    resolver = FakeResolver({f"_kabinet-verify.{CUSTOM_HOST}": [published]})
    # when / then
    assert domain_verify(domain=domain, resolver=resolver) is False
    domain.refresh_from_db()
    assert domain.is_verified is False
    assert get_home(CUSTOM_HOST) == 404
    assert [e["action"] for e in domain_events(hotel)] == ["added"]


def test_the_right_record_at_the_wrong_name_does_not_verify(hotel):
    # given: the value is published on the bare host, not under _kabinet-verify
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    _name, value = verification_record(domain)
    resolver = FakeResolver({CUSTOM_HOST: [value]})
    # when / then
    assert domain_verify(domain=domain, resolver=resolver) is False


def test_another_domains_token_does_not_verify(hotel, shop):
    # given: shop publishes its own token for its own domain under hotel's record name
    hotel_domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    shop_domain = domain_add(tenant=shop, hostname="shop-example.com")
    _name, shop_value = verification_record(shop_domain)
    resolver = FakeResolver({f"_kabinet-verify.{CUSTOM_HOST}": [shop_value]})
    # when / then
    assert domain_verify(domain=hotel_domain, resolver=resolver) is False


def test_the_right_record_verifies_and_the_domain_routes_at_once(hotel):
    # given: the host was asked for (and remembered as unknown) before verification
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    assert get_home(CUSTOM_HOST) == 404
    name, value = verification_record(domain)
    resolver = FakeResolver({name: ["v=spf1 -all", f"  {value} "]})
    # when
    verified = domain_verify(domain=domain, resolver=resolver, actor_label="owner@hotel")
    # then
    assert verified is True
    assert domain.is_verified is True
    domain.refresh_from_db()
    assert domain.is_verified is True
    response = Client(HTTP_HOST=CUSTOM_HOST).get("/")
    assert response.status_code == 200
    assert b"Hotel Test" in response.content
    assert domain_events(hotel)[-1] == {"domain": CUSTOM_HOST, "action": "verified"}


def test_verifying_again_is_a_no_op(hotel):
    # given
    domain = verified_domain(hotel)
    resolver = FakeResolver()
    # when
    verified = domain_verify(domain=domain, resolver=resolver)
    # then
    assert verified is True
    assert resolver.asked == []
    assert [e["action"] for e in domain_events(hotel)] == ["added", "verified"]


def test_the_platform_address_is_not_verified_through_dns(hotel):
    with pytest.raises(ValidationError):
        domain_verify(domain=hotel.domains.get(is_custom=False), resolver=FakeResolver())


def test_the_default_resolver_comes_from_settings(settings):
    settings.TENANT_DOMAIN_RESOLVER = "tests.tenants.test_domains.FakeResolver"
    assert isinstance(default_resolver(), FakeResolver)
    settings.TENANT_DOMAIN_RESOLVER = None
    assert isinstance(default_resolver(), DnsPythonResolver)


def test_verify_uses_the_configured_resolver_when_given_none(hotel, settings):
    # given
    settings.TENANT_DOMAIN_RESOLVER = "tests.tenants.test_domains.FakeResolver"
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    # when / then: the configured fake publishes nothing, and no network is touched
    assert domain_verify(domain=domain) is False


# --- primary ----------------------------------------------------------------------------------


def test_an_unverified_domain_cannot_be_made_primary(hotel):
    # given
    domain = domain_add(tenant=hotel, hostname=CUSTOM_HOST)
    # when / then
    with pytest.raises(ValidationError) as exc:
        domain_make_primary(domain=domain)
    assert exc.value.code == "unverified"
    assert hotel.domains.get(is_primary=True).domain == "hotel.localhost"


def test_a_verified_domain_becomes_the_only_primary(hotel):
    # given
    domain = verified_domain(hotel)
    # when
    domain_make_primary(domain=domain, actor_label="owner@hotel")
    # then
    assert list(hotel.domains.filter(is_primary=True).values_list("domain", flat=True)) == [
        CUSTOM_HOST
    ]
    assert get_home("hotel.localhost") == 200  # the platform address still routes
    assert domain_events(hotel)[-1] == {"domain": CUSTOM_HOST, "action": "primary"}


def test_switching_primary_between_custom_domains(hotel):
    # given
    first = verified_domain(hotel, "one.hotel-example.com")
    second = verified_domain(hotel, "two.hotel-example.com")
    domain_make_primary(domain=first)
    # when
    domain_make_primary(domain=second)
    # then
    primaries = hotel.domains.filter(is_primary=True).values_list("domain", flat=True)
    assert list(primaries) == ["two.hotel-example.com"]


# --- removing ---------------------------------------------------------------------------------


def test_the_platform_address_cannot_be_removed(hotel):
    platform_address = hotel.domains.get(domain="hotel.localhost")
    with pytest.raises(ValidationError) as exc:
        domain_remove(domain=platform_address)
    assert exc.value.code == "not_custom"
    assert Domain.objects.filter(domain="hotel.localhost", tenant=hotel).exists()
    assert get_home("hotel.localhost") == 200


def test_a_removed_domain_stops_routing(hotel):
    # given
    domain = verified_domain(hotel)
    assert get_home(CUSTOM_HOST) == 200
    # when
    domain_remove(domain=domain, actor_label="owner@hotel")
    # then
    assert not Domain.objects.filter(domain=CUSTOM_HOST).exists()
    assert get_home(CUSTOM_HOST) == 404
    assert domain_events(hotel)[-1] == {"domain": CUSTOM_HOST, "action": "removed"}


def test_removing_the_primary_domain_makes_the_platform_address_primary_again(hotel):
    # given
    other = verified_domain(hotel, "other.hotel-example.com")
    domain = verified_domain(hotel)
    domain_make_primary(domain=domain)
    # when
    domain_remove(domain=domain)
    # then
    assert hotel.domains.get(is_primary=True).domain == "hotel.localhost"
    other.refresh_from_db()
    assert other.is_primary is False


def test_a_removed_domain_can_be_added_by_another_tenant(hotel, shop):
    domain_remove(domain=domain_add(tenant=hotel, hostname=CUSTOM_HOST))
    assert domain_add(tenant=shop, hostname=CUSTOM_HOST).tenant == shop


# --- isolation --------------------------------------------------------------------------------


def test_hotels_domain_services_never_touch_shops_domains(hotel, shop):
    # given: shop has a verified primary custom domain of its own
    shop_domain = verified_domain(shop, "shop-example.com")
    domain_make_primary(domain=shop_domain)
    shop_before = sorted(
        Domain.objects.filter(tenant=shop).values_list("domain", "is_primary", "is_verified")
    )
    # when: hotel adds, verifies, promotes and removes its own
    domain = verified_domain(hotel)
    domain_make_primary(domain=domain)
    domain_remove(domain=domain)
    # then
    shop_after = sorted(
        Domain.objects.filter(tenant=shop).values_list("domain", "is_primary", "is_verified")
    )
    assert shop_after == shop_before
    assert domain_events(shop) == [
        {"domain": "shop-example.com", "action": action}
        for action in ("added", "verified", "primary")
    ]
    shop_home = Client(HTTP_HOST="shop-example.com").get("/")
    assert b"Shop Test" in shop_home.content


def test_a_verified_custom_domain_shows_only_its_own_tenant(hotel, shop):
    verified_domain(hotel)
    verified_domain(shop, "shop-example.com")
    hotel_home = Client(HTTP_HOST=CUSTOM_HOST).get("/").content
    shop_home = Client(HTTP_HOST="shop-example.com").get("/").content
    assert b"Hotel Test" in hotel_home
    assert b"Shop Test" not in hotel_home
    assert b"Shop Test" in shop_home
    assert b"Hotel Test" not in shop_home


# --- the dnspython resolver (no network) ------------------------------------------------------


def test_dnspython_resolver_answers_nothing_for_a_missing_name(monkeypatch):
    # given
    asked = []

    def nxdomain(self, qname, rdtype, *args, **kwargs):
        asked.append((str(qname), rdtype, self.lifetime))
        raise dns.resolver.NXDOMAIN

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", nxdomain)
    # when
    records = DnsPythonResolver().txt_records("_kabinet-verify.nowhere.example")
    # then
    assert records == []
    assert asked == [("_kabinet-verify.nowhere.example", "TXT", 3.0)]


@pytest.mark.parametrize(
    "error",
    [
        dns.resolver.NoAnswer,
        dns.resolver.NoNameservers,
        dns.resolver.LifetimeTimeout,
    ],
)
def test_dnspython_resolver_answers_nothing_when_dns_fails(monkeypatch, error):
    def fail(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", fail)
    assert DnsPythonResolver().txt_records("_kabinet-verify.example.com") == []


def test_dnspython_resolver_joins_the_strings_of_each_record(monkeypatch):
    # given: one record split into two strings, and another record
    class Record:
        def __init__(self, *strings: bytes) -> None:
            self.strings = strings

    answer = [Record(b"kabinet-verify=abc", b"def"), Record(b"v=spf1 -all")]
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", lambda self, *a, **kw: answer)
    # when / then
    assert DnsPythonResolver().txt_records("_kabinet-verify.example.com") == [
        "kabinet-verify=abcdef",
        "v=spf1 -all",
    ]


# --- a claim never blocks the real owner --------------------------------------------------------


def claimed_long_ago(tenant: Tenant, hostname: str, days: int) -> Domain:
    domain = domain_add(tenant=tenant, hostname=hostname)
    Domain.objects.filter(pk=domain.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    domain.refresh_from_db()
    return domain


def test_an_unverified_claim_lapses_and_the_next_cabinet_gets_the_name(hotel, shop):
    # given the shop claimed the hotel's name more than a week ago and never verified it
    stale = claimed_long_ago(shop, "book.hotel-example.com", days=UNVERIFIED_CLAIM_DAYS + 1)

    # when the hotel adds it
    domain = domain_add(tenant=hotel, hostname="book.hotel-example.com", actor_label="owner")

    # then the hotel holds it (unverified, with its own token) and the shop's claim is gone
    assert (domain.tenant, domain.is_verified) == (hotel, False)
    assert not Domain.objects.filter(pk=stale.pk).exists()
    assert domain.verification_token != stale.verification_token
    assert domain_events(shop)[-1] == {"domain": "book.hotel-example.com", "action": "expired"}


def test_a_fresh_claim_and_a_verified_domain_still_keep_the_name(hotel, shop):
    claimed_long_ago(shop, "fresh.example.com", days=UNVERIFIED_CLAIM_DAYS - 1)
    old_but_verified = verified_domain(shop, "proven.example.com")
    Domain.objects.filter(pk=old_but_verified.pk).update(
        created_at=timezone.now() - dt.timedelta(days=365)
    )
    for name in ("fresh.example.com", "proven.example.com"):
        with pytest.raises(ValidationError) as refused:
            domain_add(tenant=hotel, hostname=name)
        assert (refused.value.code, refused.value.params) == ("taken", {"domain": name})
        assert Domain.objects.get(domain=name).tenant == shop


def test_a_cabinets_own_lapsed_claim_is_not_released_by_adding_it_again(hotel):
    own = claimed_long_ago(hotel, "mine.example.com", days=30)
    with pytest.raises(ValidationError, match="already connected"):
        domain_add(tenant=hotel, hostname="mine.example.com")
    assert Domain.objects.filter(pk=own.pk).exists()


def test_the_claim_record_is_the_cabinets_own_and_stable(hotel, shop):
    name, value = claim_record(tenant=hotel, hostname="Shop.Example.com.")
    assert name == "_kabinet-verify.shop.example.com"
    assert value == claim_record(tenant=hotel, hostname="shop.example.com")[1]
    assert value != claim_record(tenant=shop, hostname="shop.example.com")[1]
    assert value != claim_record(tenant=hotel, hostname="other.example.com")[1]
    assert value.startswith("kabinet-verify=")
    assert len(value) > 40


def test_the_real_owner_takes_over_a_fresh_claim_by_proving_dns(hotel, shop):
    # given the shop claimed the hotel's name an hour ago
    squat = domain_add(tenant=shop, hostname="cabinet.hotel-example.com")
    name, value = claim_record(tenant=hotel, hostname="cabinet.hotel-example.com")
    resolver = FakeResolver({name: [value]})

    # when the hotel, which controls the name's DNS, takes it over
    domain = domain_take_over(
        tenant=hotel, hostname="cabinet.hotel-example.com", resolver=resolver, actor_label="owner"
    )

    # then the name is the hotel's, verified, and routes to it; the shop's claim is gone
    assert (domain.tenant, domain.is_verified, domain.is_custom) == (hotel, True, True)
    assert verification_record(domain) == (name, value)
    assert not Domain.objects.filter(pk=squat.pk).exists()
    assert b"Hotel Test" in Client(HTTP_HOST="cabinet.hotel-example.com").get("/").content
    assert resolver.asked == [name]
    assert domain_events(shop)[-1]["action"] == "taken_over"
    assert domain_events(hotel)[-1] == {"domain": "cabinet.hotel-example.com",
                                        "action": "taken_over"}  # fmt: skip


def test_a_verified_primary_domain_moves_to_whoever_controls_its_dns_now(hotel, shop):
    # given the shop verified the name once and made it its main address
    old = verified_domain(shop, "moved.example.com")
    domain_make_primary(domain=old)
    name, value = claim_record(tenant=hotel, hostname="moved.example.com")

    # when the hotel proves it controls the name now
    domain_take_over(tenant=hotel, hostname="moved.example.com",
                     resolver=FakeResolver({name: [value]}))  # fmt: skip

    # then the name opens the hotel, and the shop's platform address is its main one again
    assert Domain.objects.get(domain="moved.example.com").tenant == hotel
    assert Domain.objects.get(tenant=shop, is_primary=True).domain == "shop.localhost"


@pytest.mark.parametrize(
    "published",
    [
        [],
        ["kabinet-verify=wrong"],
        "the holder's own token",
        "the record another cabinet would publish",
    ],
)
def test_without_the_takers_record_nothing_moves(hotel, shop, school, published):
    squat = domain_add(tenant=shop, hostname="held.example.com")
    name = f"_kabinet-verify.{squat.domain}"
    if published == "the holder's own token":
        published = [verification_record(squat)[1]]
    elif published == "the record another cabinet would publish":
        published = [claim_record(tenant=school, hostname=squat.domain)[1]]

    with pytest.raises(ValidationError) as refused:
        domain_take_over(tenant=hotel, hostname=squat.domain,
                         resolver=FakeResolver({name: published}))  # fmt: skip

    assert refused.value.code == "not_found"
    assert Domain.objects.get(domain="held.example.com").tenant == shop


def test_a_take_over_needs_another_holder(hotel):
    with pytest.raises(ValidationError) as nobody:
        domain_take_over(tenant=hotel, hostname="free.example.com", resolver=FakeResolver())
    assert nobody.value.code == "not_held"
    mine = domain_add(tenant=hotel, hostname="mine.example.com")
    with pytest.raises(ValidationError):
        domain_take_over(tenant=hotel, hostname=mine.domain, resolver=FakeResolver())
