import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry, User
from tenants.domains import claim_record, domain_add, verification_record
from tenants.models import Domain
from tests.conftest import OWNER_PASSWORD
from tests.factories import UserFactory
from tests.support import dns


@pytest.fixture
def owner_client(hotel, hotel_client, settings):
    settings.TENANT_DOMAIN_RESOLVER = "tests.support.dns.fake_resolver"
    dns.RECORDS.clear()
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        assert owner.check_password(OWNER_PASSWORD)
        hotel_client.force_login(owner)
    return hotel_client


def test_the_owner_adds_verifies_and_promotes_a_custom_domain(hotel, owner_client):
    # given the owner adds a domain
    owner_client.post("/staff/domains/add/", {"hostname": "Cabinet.Sunrise-Hotel.test."})
    domain = Domain.objects.get(domain="cabinet.sunrise-hotel.test")
    page = owner_client.get("/staff/domains/").content.decode()
    name, value = verification_record(domain)
    assert name in page
    assert value in page
    assert Client(HTTP_HOST=domain.domain).get("/").status_code == 404
    # when the record is missing, verification says so
    owner_client.post(f"/staff/domains/{domain.pk}/verify/")
    assert Client(HTTP_HOST=domain.domain).get("/").status_code == 404
    # when it is published, the domain routes to the cabinet
    dns.RECORDS[name] = [value]
    owner_client.post(f"/staff/domains/{domain.pk}/verify/")
    assert b"Hotel Test" in Client(HTTP_HOST=domain.domain).get("/").content
    owner_client.post(f"/staff/domains/{domain.pk}/primary/")
    domain.refresh_from_db()
    assert domain.is_primary
    with tenant_context(hotel):
        actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"domain.added", "domain.verified", "domain.primary"} <= actions


def test_bad_domains_are_explained(owner_client):
    for hostname in ("", "127.0.0.1", "x.localhost", "bad host!", "a" * 300):
        response = owner_client.post("/staff/domains/add/", {"hostname": hostname}, follow=True)
        assert response.status_code == 200
        assert b"flash-error" in response.content


def test_other_tenants_domains_are_404(shop, owner_client):
    theirs = Domain.objects.get(tenant=shop, is_primary=True)
    for action in ("verify", "primary", "remove"):
        assert owner_client.post(f"/staff/domains/{theirs.pk}/{action}/").status_code == 404


def test_only_the_owner_manages_domains(hotel, hotel_client):
    for person in ({"is_staff": True}, {}):  # a staff member who is not the owner; a client
        with tenant_context(hotel):
            hotel_client.force_login(UserFactory(**person))
        assert hotel_client.get("/staff/domains/").status_code == 403


def test_a_name_another_cabinet_holds_can_be_taken_over_from_the_page(hotel, shop, owner_client):
    # given the shop claimed the hotel's name and never verified it
    squat = domain_add(tenant=shop, hostname="cabinet.sunrise-hotel.test")

    # when the hotel's owner adds it, the page explains and shows the record that proves it
    added = owner_client.post(
        "/staff/domains/add/", {"hostname": "cabinet.sunrise-hotel.test"}, follow=True
    )
    page = added.content.decode()
    name, value = claim_record(tenant=hotel, hostname="cabinet.sunrise-hotel.test")
    assert "connected to another cabinet" in page
    assert name in page
    assert value in page
    assert verification_record(squat)[1] not in page  # the holder's token stays the holder's

    # when the record is not there yet, nothing moves and the record is still shown
    missing = owner_client.post(
        "/staff/domains/take-over/", {"hostname": "cabinet.sunrise-hotel.test"}, follow=True
    )
    assert "was not found yet" in missing.content.decode()
    assert value in missing.content.decode()
    assert Domain.objects.get(domain="cabinet.sunrise-hotel.test").tenant == shop

    # when it is published, "Take over" moves the name here, verified and routing
    dns.RECORDS[name] = [value]
    done = owner_client.post(
        "/staff/domains/take-over/", {"hostname": "cabinet.sunrise-hotel.test"}, follow=True
    )
    assert "is now this cabinet" in done.content.decode()
    domain = Domain.objects.get(domain="cabinet.sunrise-hotel.test")
    assert (domain.tenant, domain.is_verified) == (hotel, True)
    assert b"Hotel Test" in Client(HTTP_HOST=domain.domain).get("/").content
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="domain.taken_over").exists()


def test_the_take_over_page_in_russian(hotel, shop, owner_client):
    domain_add(tenant=shop, hostname="kabinet.example.com")
    with tenant_context(hotel):
        User.objects.filter(email="owner@hotel.example.com").update(language="ru")
    page = owner_client.get("/staff/domains/?claim=kabinet.example.com").content.decode()
    assert "Забрать kabinet.example.com" in page
    assert "Решает тот, кто управляет его DNS" in page


def test_the_claim_box_shows_only_for_a_name_another_cabinet_holds(hotel, shop, owner_client):
    domain_add(tenant=hotel, hostname="mine.sunrise-hotel.test")
    for claim in (
        "mine.sunrise-hotel.test",
        "free.example.com",
        "shop.localhost",
        "<b>",
        "x" * 999,
    ):
        page = owner_client.get("/staff/domains/", {"claim": claim}).content.decode()
        assert 'id="take-over"' not in page


def test_a_take_over_is_the_owners_alone(hotel, shop, hotel_client, settings):
    settings.TENANT_DOMAIN_RESOLVER = "tests.support.dns.fake_resolver"
    domain_add(tenant=shop, hostname="held.example.com")
    name, value = claim_record(tenant=hotel, hostname="held.example.com")
    dns.RECORDS[name] = [value]
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=True))
    response = hotel_client.post("/staff/domains/take-over/", {"hostname": "held.example.com"})
    assert response.status_code == 403
    assert Domain.objects.get(domain="held.example.com").tenant == shop
    dns.RECORDS.clear()


def test_an_unverified_domain_says_by_when_to_verify(owner_client):
    owner_client.post("/staff/domains/add/", {"hostname": "late.sunrise-hotel.test"})
    page = owner_client.get("/staff/domains/").content.decode()
    assert "Verify it by" in page
    assert "another cabinet may add this domain" in page
