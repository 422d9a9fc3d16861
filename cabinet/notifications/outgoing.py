"""Outgoing webhooks: the business's own systems hear of what happens in the cabinet.

The owner registers URLs with the events each wants. An event becomes one delivery per
endpoint, written in the transaction of the change (so it exists exactly when the change
committed), then POSTed by a task as JSON with these headers:

    Kabinet-Event: order.created
    Kabinet-Delivery: <uuid>            the same on every retry and replay: deduplicate on it
    Idempotency-Key: <uuid>             the same value, under the header's common name
    Kabinet-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>

Each attempt first claims the delivery (pending → sending, with a lease) in a transaction of its
own, then POSTs, then records the answer. A task redelivered while the lease runs (the first
attempt may be alive, waiting on a slow receiver) waits for it to end instead of POSTing beside
it; once the lease has ended, that attempt died somewhere between the claim and its record, and
nobody can tell whether the receiver got it: it is POSTed again with the same delivery id. So a
receiver sees a delivery at least once and, with the id, can act on it exactly once.

The body names the cabinet (`"cabinet": "<slug>"`), so the signature covers it too: a delivery
replayed to an endpoint of another cabinet that happens to share its secret still says whose it is.

A 2xx answer delivers it; anything else is retried with back-off (30 s, 1, 2, 4 … minutes, 8
tries), logged on the delivery, and can be replayed from the back office. Addresses inside our
own network are refused at registration, and at delivery by the egress guard (tenants.egress),
which checks the address it connects to, on the connection itself.
"""

import datetime as dt
import json
import math
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
# Longer than an attempt can live: the POST's timeout, and the task's time limit
# (cabinet.tasks.deliver_webhook), are shorter, so a live attempt is never taken for a dead one.
SENDING_LEASE = dt.timedelta(seconds=30)


class LeaseHeld(Exception):
    """Another attempt at this delivery may still be under way; try again in `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"an attempt is under way for {seconds} s more")
        self.seconds = seconds


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


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt (committed before anything leaves); None when there is
    nothing to send. Raises LeaseHeld while another attempt's lease runs."""
    sendable = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.SENDING)
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in sendable:
            return None
        lease = delivery.lease_until if delivery.status == WebhookDelivery.Status.SENDING else None
        if lease and lease > now:
            raise LeaseHeld(math.ceil((lease - now).total_seconds()))
        delivery.status = WebhookDelivery.Status.SENDING
        delivery.lease_until = now + SENDING_LEASE
        delivery.attempts += 1
        delivery.save(update_fields=["status", "lease_until", "attempts"])
    return delivery


def deliver(delivery_id: int) -> str:
    """One attempt; returns the delivery's status. Raises LeaseHeld while another attempt may be
    sending it; otherwise nothing: the task decides retries."""
    delivery = _claim(delivery_id)
    if delivery is None:
        current = WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True)
        return current.first() or "gone"
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
        "Idempotency-Key": str(delivery.event_id),
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
    if delivered:
        status = WebhookDelivery.Status.DELIVERED
    elif delivery.attempts >= MAX_ATTEMPTS:
        status = WebhookDelivery.Status.FAILED
    else:
        status = WebhookDelivery.Status.PENDING
    # Only this attempt's claim is settled: not one a later attempt has taken since.
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.SENDING, attempts=delivery.attempts
    ).update(
        last_status_code=code, status=status, lease_until=None,
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
    # A delivery being sent right now is left to that attempt (its claim would be lost).
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
        status=WebhookDelivery.Status.SENDING
    ).update(status=WebhookDelivery.Status.PENDING, attempts=0, last_error="", lease_until=None)
    audit_record(action="webhook.replayed", actor=by, target=delivery.endpoint,
                 changes={"delivery": str(delivery.event_id)})  # fmt: skip
    deliver_webhook = task_named("cabinet.deliver_webhook")

    enqueue_on_commit(deliver_webhook, delivery.pk)
    delivery.refresh_from_db()
    return delivery
