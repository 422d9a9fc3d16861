import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants import health
from tenants.models import Domain, Tenant, TenantStatus
from tenants.routing import HostRouter, bump_routing_version, router


def test_a_known_host_costs_no_query_once_cached(hotel_client, django_assert_num_queries):
    # given a warm cache
    hotel_client.get("/api/v1/")
    # when the same host asks again for a view that itself needs no database
    with django_assert_num_queries(0):
        response = hotel_client.get("/api/v1/")
    # then
    assert response.status_code == 200


def test_a_page_that_queries_sets_the_search_path_at_most_once(hotel_client):
    hotel_client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = hotel_client.get("/")
    assert response.status_code == 200
    set_paths = [q["sql"] for q in queries.captured_queries if "search_path" in q["sql"]]
    assert len(set_paths) <= 1


def test_each_host_reaches_its_own_tenant(hotel_client, shop_client):
    assert b"Hotel Test" in hotel_client.get("/").content
    assert b"Shop Test" in shop_client.get("/").content


def test_the_platform_host_serves_the_landing_page(platform_client):
    response = platform_client.get("/")
    assert response.status_code == 200
    assert b"Kabinet" in response.content


def test_an_unknown_host_gets_the_no_such_cabinet_page(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert b"There is no cabinet here" in response.content
    assert b"nobody.localhost" in response.content


def test_a_suspended_tenant_shows_a_clear_page(hotel, hotel_client):
    hotel.status = TenantStatus.SUSPENDED
    hotel.save(update_fields=["status"])
    response = hotel_client.get("/")
    assert response.status_code == 403
    assert b"paused" in response.content


def test_an_archived_tenant_is_gone(hotel, hotel_client):
    hotel.status = TenantStatus.ARCHIVED
    hotel.save(update_fields=["status"])
    assert hotel_client.get("/").status_code == 410


def test_a_suspended_tenant_still_answers_health(hotel, hotel_client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "worker", lambda: None)
    hotel.status = TenantStatus.SUSPENDED
    hotel.save(update_fields=["status"])
    assert hotel_client.get("/health/").status_code == 200


def test_a_new_domain_routes_at_once_in_this_process(hotel):
    Domain.objects.create(domain="hotel-alias.localhost", tenant=hotel, is_primary=False)
    assert Client(HTTP_HOST="hotel-alias.localhost").get("/").status_code == 200


def test_a_removed_domain_stops_routing(hotel):
    alias = Domain.objects.create(domain="gone.localhost", tenant=hotel, is_primary=False)
    assert Client(HTTP_HOST="gone.localhost").get("/").status_code == 200
    alias.delete()
    assert Client(HTTP_HOST="gone.localhost").get("/").status_code == 404


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_another_process_sees_a_change_within_the_recheck_interval(hotel):
    # given another process's router, warm, that reads the shared version key every 1 s
    clock = FakeClock()
    lookups: list[str] = []

    def lookup(hostname: str) -> Tenant | None:
        lookups.append(hostname)
        return hotel

    other = HostRouter(lookup=lookup, recheck_seconds=1.0, clock=clock)
    other.resolve("hotel.localhost")
    other.resolve("hotel.localhost")
    assert lookups == ["hotel.localhost"]
    # when this process changes a domain and the change commits
    bump_routing_version()
    # then the other process keeps its cache until its next check ...
    clock.now = 0.5
    other.resolve("hotel.localhost")
    assert len(lookups) == 1
    # ... and reloads after it
    clock.now = 1.5
    other.resolve("hotel.localhost")
    assert len(lookups) == 2


def test_unknown_hosts_are_remembered_so_a_flood_does_not_reach_the_database(db):
    router.resolve("flood.localhost")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert router.resolve("flood.localhost") is None
    assert len(queries) == 0


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("hotel.localhost:8000", 200),
        ("HOTEL.LOCALHOST", 200),
        ("Hotel.Localhost:8000", 200),
        ("hotel.localhost.", 200),
        ("127.0.0.1", 404),
        ("127.0.0.1:8000", 404),
        ("[::1]:8000", 404),
        ("xn--e1afmkfd.localhost", 404),
        ("отель.localhost", 400),
        ("bad host!", 400),
        ("hotel.localhost:notaport", 400),
        ("", 400),
        ("a" * 300 + ".localhost", 400),
        ("hotel.localhost/../shop", 400),
        ("hotel.localhost\r\nX-Injected: 1", 400),
    ],
)
def test_every_host_header_gets_a_clear_answer(db, host, status):
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code == status
    assert b"Traceback" not in response.content


def test_a_lookup_overtaken_by_a_change_is_not_cached(hotel):
    # given a lookup that is slow, and a change that lands while it runs
    router_under_test: HostRouter

    def slow_lookup(hostname: str) -> Tenant | None:
        router_under_test.forget()  # the change
        return hotel

    router_under_test = HostRouter(lookup=slow_lookup, recheck_seconds=60)
    # when
    assert router_under_test.resolve("hotel.localhost") == hotel
    # then the possibly stale answer was not kept
    assert "hotel.localhost" not in router_under_test._known


def test_routing_survives_a_cache_outage(hotel):
    def broken_cache() -> str:
        raise ConnectionError("redis is down")

    outage = HostRouter(lookup=lambda hostname: hotel, read_version=broken_cache, recheck_seconds=0)
    assert outage.resolve("hotel.localhost") == hotel
    assert outage.resolve("hotel.localhost") == hotel


def test_an_unverified_custom_domain_does_not_route(hotel):
    Domain.objects.create(
        domain="www.sunrise-hotel.test",
        tenant=hotel,
        is_primary=False,
        is_custom=True,
        is_verified=False,
    )
    assert Client(HTTP_HOST="www.sunrise-hotel.test").get("/").status_code == 404


def test_a_visit_records_the_tenants_last_activity_once_per_interval(hotel, hotel_client):
    assert hotel.last_activity_at is None
    hotel_client.get("/api/v1/")
    hotel.refresh_from_db()
    first = hotel.last_activity_at
    assert first is not None
    hotel_client.get("/api/v1/")
    hotel.refresh_from_db()
    assert hotel.last_activity_at == first  # no second write within the interval


def test_a_host_header_is_checked_again_when_the_allowed_hosts_change(hotel, settings):
    # given the hotel's host served once (its answer is remembered by the process)
    assert Client(HTTP_HOST="hotel.localhost").get("/").status_code == 200
    # when the allowed hosts no longer include it
    settings.ALLOWED_HOSTS = ["shop.localhost"]
    # then the same header is refused
    assert Client(HTTP_HOST="hotel.localhost").get("/").status_code == 400
