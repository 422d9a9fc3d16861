"""Production fails closed: with DEBUG off the server will not start without a real secret key,
its hosts, its platform domain and HSTS; and `manage.py check --deploy` is clean with the
environment the README documents (docker/.env.example) — run as the operator would, in a fresh
process with only that environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.production import DEVELOPMENT_SECRET_KEY, production_problems

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = BASE_DIR / "docker" / ".env.example"


def documented_environment() -> dict[str, str]:
    """docker/.env.example as an operator fills it in: a generated key for the placeholder."""
    env = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def fresh_process(args: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    env = {  # only what an operator sets: nothing of the test run's own environment
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "KABINET_DATA_DIR": os.environ.get("KABINET_DATA_DIR", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **environment,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = fresh_process(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **documented_environment()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


START_SERVER = ["-c", "import config.wsgi; print('serving')"]


def test_the_server_starts_with_the_documented_production_environment():
    result = fresh_process(START_SERVER, **documented_environment())

    assert result.returncode == 0, result.stderr
    assert "serving" in result.stdout


def test_with_nothing_set_the_server_refuses_to_start_and_says_everything_missing():
    result = fresh_process(START_SERVER)

    assert result.returncode != 0
    assert "serving" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "PLATFORM_DOMAIN", "SECURE_HSTS_SECONDS"):
        assert f"{name} is" in result.stderr, name


def test_the_example_copied_unedited_is_refused_for_its_placeholder_key():
    env = documented_environment()
    env["SECRET_KEY"] = "change-me-to-a-long-random-string"

    result = fresh_process(START_SERVER, **env)

    assert result.returncode != 0
    assert "SECRET_KEY is too short" in result.stderr


def test_a_development_server_starts_with_debug_on():
    result = fresh_process(START_SERVER, DEBUG="true")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "public development key"),
        ({"SECRET_KEY": "x" * 60}, "too short or too plain"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS is not set"),
        ({"PLATFORM_DOMAIN": ""}, "PLATFORM_DOMAIN is not set"),
        ({"SECURE_HSTS_SECONDS": "0"}, "HSTS is off"),
        ({"SECURE_HSTS_SECONDS": "a year"}, "HSTS is off"),
    ],
)
def test_each_unsafe_setting_is_named(change, problem):
    env = {**documented_environment(), **change}

    problems = production_problems(env)

    assert len(problems) == 1
    assert problem in problems[0]


def test_the_documented_environment_has_no_problem():
    assert production_problems(documented_environment()) == []
