"""A server started with DEBUG off is a production server: it refuses to start, saying why, unless
it was told its secret key, its hosts, its platform domain and its HSTS lifetime.

Called by config/wsgi.py and config/asgi.py (gunicorn, `manage.py runserver`, any ASGI server),
so nothing serves requests on a development key or on a host nobody chose. Management commands
and workers are not servers: they start either way (the image collects its static files with no
environment at all). `make run` is a development server: config/devstack.py turns DEBUG on.
"""

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# The key config/settings.py falls back to: public, so it signs nothing real.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"  # noqa: S105
# Django's own bar for a key it does not warn about (security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def production_problems(environ: Mapping[str, str]) -> list[str]:
    """What is missing from a production environment, each said as what to set."""
    problems = []
    key = environ.get("SECRET_KEY", "")
    if not key:
        problems.append("SECRET_KEY is not set: set a long random value (50+ characters).")
    elif key == DEVELOPMENT_SECRET_KEY:
        problems.append("SECRET_KEY is the public development key: set a long random value.")
    elif len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        problems.append(
            f"SECRET_KEY is too short or too plain: use {SECRET_KEY_MIN_LENGTH}+ random "
            "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    if not [host for host in environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]:
        problems.append(
            "ALLOWED_HOSTS is not set: list the platform's host and its cabinets' "
            "(e.g. .kabinet.example.com)."
        )
    if not environ.get("PLATFORM_DOMAIN", "").strip():
        problems.append("PLATFORM_DOMAIN is not set: the platform's host (kabinet.example.com).")
    try:
        hsts = int(environ.get("SECURE_HSTS_SECONDS", "0") or 0)
    except ValueError:
        hsts = 0
    if hsts <= 0:
        problems.append("SECURE_HSTS_SECONDS is 0 (HSTS is off): set it, e.g. 31536000 (one year).")
    return problems


def refuse_unsafe_production(*, debug: bool, environ: Mapping[str, str] = os.environ) -> None:
    """ImproperlyConfigured, listing every problem at once, when DEBUG is off and any is found."""
    if debug:
        return
    problems = production_problems(environ)
    if problems:
        raise ImproperlyConfigured(
            "Kabinet will not serve with DEBUG off until these are fixed (see README, "
            "'Running in production'; for development, set DEBUG=true):\n  - "
            + "\n  - ".join(problems)
        )
