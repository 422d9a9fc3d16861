"""/health/ on every host.

Anyone (a load balancer, Docker's HEALTHCHECK, an uptime monitor) gets only "ok" (200) or
"down" (503), from the two things a web process needs: the database and the broker. Nothing
else is said and no worker is pinged for them.

The details — each check with its error, the workers, the queue's length, the warm pool — go to
a platform admin (signed in on the platform's host, with a second factor; also on the control
panel's *Health* page) or to a monitor that sends the `X-Health-Token` header equal to the
HEALTH_TOKEN setting. The workers are pinged at most once per WORKER_PING_CACHE_SECONDS
whoever asks, the answer kept in the shared cache.
"""

from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenants import signing

WORKER_PING_TIMEOUT = 1.0
WORKER_PING_CACHE_SECONDS = 30
WORKER_PING_CACHE_KEY = "health:worker-ping"
HEALTH_TOKEN_HEADER = "HTTP_X_HEALTH_TOKEN"  # noqa: S105 (a header name)


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "down"; the reason goes into the details
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def ping_workers() -> str | None:
    try:
        replies = current_app.control.ping(timeout=WORKER_PING_TIMEOUT, limit=1)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if replies else "no worker answered a ping within 1 s"


def check_worker() -> str | None:
    """The workers' answer to a ping made at most once per WORKER_PING_CACHE_SECONDS."""
    cached = cache.get(WORKER_PING_CACHE_KEY)
    if cached is not None:
        return cached or None
    error = ping_workers()
    cache.set(WORKER_PING_CACHE_KEY, error or "", WORKER_PING_CACHE_SECONDS)
    return error


# What up or down is made of, for anyone.
CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
}
# Said only to platform admins and token holders.
DETAIL_CHECKS: dict[str, Callable[[], str | None]] = {
    "worker": check_worker,
}


def queue_length() -> int | None:
    """Messages waiting in the default Celery queue; None when the broker cannot say."""
    try:
        with current_app.connection_for_read() as conn:
            declared = conn.default_channel.queue_declare(
                queue=current_app.conf.task_default_queue, passive=True
            )
    except Exception:
        return None
    return declared.message_count


def may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    sent = request.META.get(HEALTH_TOKEN_HEADER, "")
    if token and sent and signing.same(sent, token):
        return True
    from tenants.second_factor import is_platform_admin

    return is_platform_admin(request)


def health_details() -> dict:
    """Every check with its error, the queue and the warm pool (for admins and monitors)."""
    from tenants.pool import pool_status

    results = {name: check() for name, check in {**CHECKS, **DETAIL_CHECKS}.items()}
    down = [name for name, error in results.items() if error]
    return {
        "status": "down" if down else "ok",
        "down": down,
        "checks": {
            name: {"ok": error is None, **({"error": error} if error else {})}
            for name, error in results.items()
        },
        "queue": {"name": current_app.conf.task_default_queue, "waiting": queue_length()},
        "pool": pool_status(),
    }


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    if may_see_details(request):
        body = health_details()
        return JsonResponse(body, status=503 if body["down"] else 200)
    down = any(check() for check in CHECKS.values())
    return JsonResponse({"status": "down" if down else "ok"}, status=503 if down else 200)
