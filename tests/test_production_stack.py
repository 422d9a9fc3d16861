"""The production stack's files hold together (no Docker daemon runs here to build them), and
the TLS proxy's on-demand check answers only for hosts we serve."""

from pathlib import Path

import pytest
import yaml

from tenants.models import Domain

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def test_the_compose_file_has_every_service_with_healthchecks_and_volumes():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]

    assert {"web", "worker", "beat", "db", "redis", "release"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert {"data", "postgres", "redis"} <= set(compose["volumes"])
    assert services["web"]["depends_on"]["release"]["condition"] == "service_completed_successfully"


def test_the_image_runs_as_an_unprivileged_user():
    dockerfile = (DOCKER / "Dockerfile").read_text()

    assert "USER kabinet" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "collectstatic" in dockerfile
    env_example = (DOCKER / ".env.example").read_text()
    assert "SECRET_KEY=" in env_example
    assert ".env" in (DOCKER.parent / ".gitignore").read_text()


@pytest.mark.parametrize(
    ("domain", "status"),
    [("localhost", 200), ("hotel.localhost", 200), ("HOTEL.localhost.", 200),
     ("book.hotel-own.example", 404), ("evil.example", 404), ("", 404), ("x" * 300, 404)],
)  # fmt: skip
def test_the_tls_check_answers_only_for_hosts_we_serve(platform_client, hotel, domain, status):
    Domain.objects.create(domain="book.hotel-own.example", tenant=hotel, is_custom=True,
                          is_verified=False)  # fmt: skip

    response = platform_client.get("/tls/domain-check/", {"domain": domain})

    assert response.status_code == status
