"""The compose stack's application role is not a superuser: the db service starts as
`postgres`, and its init script makes `kabinet` (the role the app connects as) an owner of its
database with CREATEROLE (for restore_tenant's per-restore role) and nothing more."""

from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def test_the_app_connects_as_a_role_the_init_script_makes_without_superuser():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    db = compose["services"]["db"]
    init = DOCKER / "postgres-init" / "10-app-role.sh"

    assert db["environment"]["POSTGRES_USER"] != "kabinet"  # the image makes that one superuser
    assert "./postgres-init:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    assert compose["x-app"]["environment"]["DATABASE_URL"].startswith("postgres://kabinet:")
    script = init.read_text()
    assert "CREATE ROLE kabinet LOGIN" in script
    assert "NOSUPERUSER" in script
    assert "CREATEROLE" in script
    assert "CREATE DATABASE kabinet OWNER kabinet" in script
    assert init.stat().st_mode & 0o111  # the image runs *.sh only when executable or sources it
