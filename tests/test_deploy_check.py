"""`manage.py check --deploy` is clean under production settings (HTTPS platform domain, a real
secret key, HSTS with preload chosen by the operator) — run as the operator would, in a fresh
process with only the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_under_production_settings():
    env = {  # only what an operator sets: nothing of the test run's own environment
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "KABINET_DATA_DIR": os.environ.get("KABINET_DATA_DIR", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DEBUG": "0",
        "PLATFORM_DOMAIN": "kabinet.example.com",
        "ALLOWED_HOSTS": ".kabinet.example.com",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
