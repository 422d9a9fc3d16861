"""/health/ on every host: the database, the broker and at least one worker."""

from collections.abc import Callable

from celery import current_app
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

WORKER_PING_TIMEOUT = 1.0


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "down"; the reason goes into the answer
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check_worker() -> str | None:
    try:
        replies = current_app.control.ping(timeout=WORKER_PING_TIMEOUT, limit=1)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if replies else "no worker answered a ping within 1 s"


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
}


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    results = {name: check() for name, check in CHECKS.items()}
    down = [name for name, error in results.items() if error]
    body = {
        "status": "down" if down else "ok",
        "down": down,
        "checks": {
            name: {"ok": error is None, **({"error": error} if error else {})}
            for name, error in results.items()
        },
    }
    return JsonResponse(body, status=503 if down else 200)
