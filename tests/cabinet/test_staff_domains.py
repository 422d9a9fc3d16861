import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry, User
from tenants.domains import verification_record
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
