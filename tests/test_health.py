from tenants import health


def test_health_names_what_is_down(hotel_client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "worker", lambda: "no worker answered a ping within 1 s")
    response = hotel_client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["worker"]
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}


def test_health_answers_on_the_platform_host_too(platform_client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "worker", lambda: None)
    response = platform_client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "down": [],
        "checks": {"database": {"ok": True}, "broker": {"ok": True}, "worker": {"ok": True}},
    }


def test_a_database_failure_is_reported_not_raised(platform_client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "worker", lambda: None)
    monkeypatch.setitem(health.CHECKS, "database", lambda: "OperationalError: gone")
    response = platform_client.get("/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
