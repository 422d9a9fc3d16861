"""/health/ says only ok or down to anyone, pings no worker for them, and gives its details
(checks, workers, queue, pool) to platform admins and to monitors with the HEALTH_TOKEN."""

import pytest
from django.core.cache import cache

from tenants import health
from tests.control.test_control_panel import make_admin

TOKEN = "monitor-token-of-some-length"


@pytest.fixture
def pings(monkeypatch) -> list[int]:
    """Counts worker pings; the workers answer."""
    made: list[int] = []

    def ping() -> None:
        made.append(1)

    monkeypatch.setattr(health, "ping_workers", ping)
    cache.delete(health.WORKER_PING_CACHE_KEY)
    return made


def test_anyone_gets_only_ok_and_no_worker_is_pinged(hotel_client, platform_client, pings):
    # when anyone asks, on a cabinet's host or the platform's, many times
    answers = [client.get("/health/") for client in (hotel_client, platform_client) * 5]

    # then each answer is a bare "ok", and no worker was pinged for them
    assert {(r.status_code, r.content) for r in answers} == {(200, b'{"status": "ok"}')}
    assert pings == []


def test_anyone_learns_that_it_is_down_but_not_why(hotel_client, monkeypatch, pings):
    monkeypatch.setitem(health.CHECKS, "database", lambda: "OperationalError: gone at 10.0.0.5")

    response = hotel_client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "down"}


def test_a_monitor_with_the_token_gets_the_details(hotel_client, settings, monkeypatch, pings):
    # given the token is set and the workers do not answer
    settings.HEALTH_TOKEN = TOKEN
    monkeypatch.setattr(health, "ping_workers", lambda: pings.append(1) or "no worker answered")

    # when a monitor asks with it, twice
    first = hotel_client.get("/health/", HTTP_X_HEALTH_TOKEN=TOKEN)
    second = hotel_client.get("/health/", HTTP_X_HEALTH_TOKEN=TOKEN)

    # then it learns what is down and why, and the workers were pinged once for both
    assert first.status_code == second.status_code == 503
    body = first.json()
    assert body["down"] == ["worker"]
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}
    assert body["checks"]["worker"] == {"ok": False, "error": "no worker answered"}
    assert set(body["queue"]) == {"name", "waiting"}
    assert set(body["pool"]) >= {"hotel", "shop", "school"}
    assert pings == [1]


@pytest.mark.parametrize("sent", ["", "wrong-token", TOKEN[:-1]])
def test_a_wrong_or_missing_token_gets_only_up_or_down(hotel_client, settings, pings, sent):
    settings.HEALTH_TOKEN = TOKEN
    response = hotel_client.get("/health/", HTTP_X_HEALTH_TOKEN=sent)
    assert response.json() == {"status": "ok"}


def test_no_token_is_configured_so_none_opens_the_details(hotel_client, settings, pings):
    settings.HEALTH_TOKEN = ""
    response = hotel_client.get("/health/", HTTP_X_HEALTH_TOKEN="")
    assert response.json() == {"status": "ok"}


def test_a_platform_admin_gets_the_details_and_a_page(platform_client, pings):
    admin, _secret = make_admin()
    platform_client.force_login(admin)

    body = platform_client.get("/health/").json()
    page = platform_client.get("/control/health/")

    assert body["status"] == "ok"
    assert body["checks"]["worker"] == {"ok": True}
    assert page.status_code == 200
    assert "queue" in page.content.decode()
    assert 'href="/control/health/"' in page.content.decode()


def test_a_platform_admin_without_a_second_factor_gets_only_up_or_down(platform_client, pings):
    admin, _secret = make_admin(with_totp=False)
    platform_client.force_login(admin)
    assert platform_client.get("/health/").json() == {"status": "ok"}


def test_a_cabinets_owner_gets_only_up_or_down(hotel_client, hotel, pings):
    from django_tenants.utils import tenant_context

    from rbac.models import User

    with tenant_context(hotel):
        owner = User.objects.filter(is_superuser=True).first()
        hotel_client.force_login(owner)
    assert hotel_client.get("/health/").json() == {"status": "ok"}
