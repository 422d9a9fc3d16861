"""Outgoing webhooks: the business's own systems hear of what happens in the cabinet.

The owner registers URLs with the events each wants. An event becomes one delivery per
endpoint, written in the transaction of the change (so it exists exactly when the change
committed), then POSTed by a task as JSON with these headers:

    Kabinet-Event: order.created
    Kabinet-Delivery: <uuid>            the same on every retry and replay: deduplicate on it
    Kabinet-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>

The body names the cabinet (`"cabinet": "<slug>"`), so the signature covers it too: a delivery
replayed to an endpoint of another cabinet that happens to share its secret still says whose it is.

A 2xx answer delivers it; anything else is retried with back-off (30 s, 1, 2, 4 … minutes, 8
tries), logged on the delivery, and can be replayed from the back office. Addresses inside our
own network are refused at registration, and at delivery by the egress guard (tenants.egress),
which checks the address it connects to, on the connection itself.
"""

import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabinet.notifications.models import WebhookDelivery, WebhookEndpoint
from rbac.audit import audit_record
from rbac.models import User
from tenants import egress, signing
from tenants.tasks_base import enqueue_on_commit, task_named

EVENTS = {
    "order.created": gettext_lazy("An order is placed"),
    "order.status_changed": gettext_lazy("An order changes status"),
    "booking.created": gettext_lazy("A booking is made"),
    "booking.cancelled": gettext_lazy("A booking is cancelled"),
}
MAX_ENDPOINTS = 10
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
# The receiver's answer is not read, only its status: a little of it is plenty.
MAX_ANSWER_BYTES = 64 * 1024


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = signing.hmac_sha256(secret, f"{timestamp}.".encode() + body)
    return f"t={timestamp},v1={digest}"


def _url_clean(raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_PRIVATE else ("https",)
    if parts.scheme not in allowed or not parts.hostname or len(url) > 500:
        raise ValidationError(_("Enter the address, starting with https://."), code="invalid")
    egress.refuse_private_host(parts.hostname, port=parts.port or 443,
                               allow_private=settings.WEBHOOKS_ALLOW_PRIVATE)  # fmt: skip
    return url


@transaction.atomic
def endpoint_add(*, url: str, events: list[str], by: User) -> WebhookEndpoint:
    if not by.is_superuser:
        raise PermissionDenied("only the owner registers webhooks")
    if not events or not set(events) <= set(EVENTS):
        raise ValidationError(_("Choose the events to send."), code="events")
    if WebhookEndpoint.objects.count() >= MAX_ENDPOINTS:
        raise ValidationError(_("At most %(n)d addresses.") % {"n": MAX_ENDPOINTS}, code="many")
    endpoint = WebhookEndpoint.objects.create(
        url=_url_clean(url), events=sorted(set(events)), secret=signing.secret_mint()
    )
    audit_record(action="webhook.added", actor=by, target=endpoint,
                 changes={"url": endpoint.url, "events": endpoint.events})  # fmt: skip
    return endpoint


@transaction.atomic
def endpoint_remove(*, endpoint: WebhookEndpoint, by: User) -> None:
    if not by.is_superuser:
        raise PermissionDenied("only the owner removes webhooks")
    audit_record(action="webhook.removed", actor=by, target=endpoint,
                 changes={"url": endpoint.url})  # fmt: skip
    endpoint.delete()


def emit(event: str, build: Callable[[], dict]) -> int:
    """Queue `event` for every active endpoint that wants it, in the caller's transaction.
    `build` makes the payload, only when someone listens (one query otherwise)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in e.events]
    data = build() if endpoints else {}
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, payload=data)
        deliver_webhook = task_named("cabinet.deliver_webhook")

        enqueue_on_commit(deliver_webhook, delivery.pk)
    return len(endpoints)


def deliver(delivery_id: int) -> str:
    """One attempt; returns the delivery's status. Raises nothing: the task decides retries."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return "gone" if delivery is None else delivery.status
    body = json.dumps(
        {"id": str(delivery.event_id), "event": delivery.event,
         "cabinet": getattr(connection.tenant, "slug", connection.schema_name),
         "created_at": delivery.created_at.isoformat(), "data": delivery.payload},
        cls=DjangoJSONEncoder,
    ).encode()  # fmt: skip
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Kabinet-Webhooks/1",
        "Kabinet-Event": delivery.event,
        "Kabinet-Delivery": str(delivery.event_id),
        "Kabinet-Signature": signature(delivery.endpoint.secret, body, timestamp),
    }
    code, error = None, ""
    # The name may point elsewhere by now: the guard resolves it once, refuses an address
    # inside, and connects to the address it checked. No redirects are followed.
    guarded = egress.session(allow_private=settings.WEBHOOKS_ALLOW_PRIVATE,
                             timeout=TIMEOUT_SECONDS, max_bytes=MAX_ANSWER_BYTES)  # fmt: skip
    try:
        with guarded as http:
            code = http.post(delivery.endpoint.url, data=body, headers=headers).status_code
    except egress.ResponseTooLarge as exc:  # the status is all we need from the answer
        code = exc.response.status_code
    except egress.RequestFailed as exc:  # the network's errors and the guard's refusals
        error = str(exc)[:300]
    delivered = code is not None and 200 <= code < 300
    attempts = delivery.attempts + 1
    if delivered:
        status = WebhookDelivery.Status.DELIVERED
    elif attempts >= MAX_ATTEMPTS:
        status = WebhookDelivery.Status.FAILED
    else:
        status = WebhookDelivery.Status.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_status_code=code, status=status,
        last_error=error or ("" if delivered else f"HTTP {code}"),
        delivered_at=timezone.now() if delivered else None,
    )  # fmt: skip
    return status


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: 30 s, then doubling each time."""
    return 30 * 2 ** max(attempts - 1, 0)


@transaction.atomic
def replay(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send a delivery again (the same id and body), e.g. after the receiver was fixed."""
    if not by.is_superuser:
        raise PermissionDenied("only the owner replays webhooks")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, last_error=""
    )
    audit_record(action="webhook.replayed", actor=by, target=delivery.endpoint,
                 changes={"delivery": str(delivery.event_id)})  # fmt: skip
    deliver_webhook = task_named("cabinet.deliver_webhook")

    enqueue_on_commit(deliver_webhook, delivery.pk)
    delivery.refresh_from_db()
    return delivery
