"""Web push: browsers subscribe through the Push API, and notify() reaches them through their
push service with VAPID and aes128gcm (pywebpush). Subscriptions the push service has dropped
(404/410) are forgotten. The POST goes through the egress guard (tenants.egress): only to a
public address, checked on the connection, the answer capped."""

import base64
import json
import os
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from cabinet.notifications.models import PushSubscription
from rbac.models import User
from tenants import egress

PUSH_TIMEOUT = 10
PUSH_MAX_ANSWER_BYTES = 64 * 1024  # push services answer 201 with an empty body


@cache
def vapid() -> Vapid:
    """The platform's VAPID key: from settings, else made once in the data folder (O_EXCL, so
    two processes starting together cannot make two)."""
    if settings.VAPID_PRIVATE_KEY:
        key = settings.VAPID_PRIVATE_KEY
        return Vapid.from_pem(key.encode()) if "BEGIN" in key else Vapid.from_string(key)
    path = settings.DATA_DIR / "vapid_private.pem"
    if not path.exists():
        fresh = Vapid()
        fresh.generate_keys()
        pem = fresh.private_pem()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    return Vapid.from_file(str(path))


def public_key() -> str:
    """The applicationServerKey a browser subscribes with (base64url, uncompressed point)."""
    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url(value: object, *, size: int, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 120:
        raise ValidationError(_("The browser sent an invalid subscription."), code=field)
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise ValidationError(_("The browser sent an invalid subscription."), code=field) from exc
    if len(decoded) != size:
        raise ValidationError(_("The browser sent an invalid subscription."), code=field)
    return value


def _push_service_endpoint(endpoint: object) -> str:
    """An https address of a known push service (settings.PUSH_SERVICE_HOSTS): the worker would
    otherwise POST wherever a client pointed it, our own network included."""
    if not isinstance(endpoint, str) or len(endpoint) > 500:
        raise ValidationError(_("The browser sent an invalid subscription."), code="endpoint")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
    except ValueError as exc:
        raise ValidationError(_("The browser sent an invalid subscription."), code="url") from exc
    if settings.PUSH_ALLOW_LOCAL_ENDPOINTS and parts.scheme in ("http", "https") and host:
        return endpoint
    known = any(host == h or host.endswith(f".{h}") for h in settings.PUSH_SERVICE_HOSTS)
    if parts.scheme != "https" or parts.port not in (None, 443) or not known:
        raise ValidationError(_("Push is only sent to a public https address."), code="endpoint")
    return endpoint


def subscription_save(*, user: User, data: object) -> PushSubscription:
    """Store what PushSubscription.toJSON() gave the browser; the same endpoint is moved to
    whoever subscribes with it now (a shared device)."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise ValidationError(_("The browser sent an invalid subscription."), code="shape")
    endpoint = _push_service_endpoint(data.get("endpoint"))
    p256dh = _b64url(data["keys"].get("p256dh"), size=65, field="p256dh")
    auth = _b64url(data["keys"].get("auth"), size=16, field="auth")
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


class PushFailed(Exception):
    pass


def push_send(*, user: User, title: str, body: str, url: str, key: str = "") -> int:
    """To each of the person's devices; the number reached. Raises PushFailed when none was.
    `key`, the message's identity on every attempt, is its Topic (RFC 8030: the push service
    replaces a message of that topic still waiting for the device) and its notification's tag
    (the browser replaces a shown notification of that tag): a copy sent again adds nothing."""
    message = {"title": title, "body": body, "url": url or "/"}
    payload = json.dumps({**message, "tag": key} if key else message)
    headers = {"Topic": key} if key else {}
    reached, errors = 0, []
    guarded = egress.session(allow_private=settings.PUSH_ALLOW_LOCAL_ENDPOINTS,
                             timeout=PUSH_TIMEOUT, max_bytes=PUSH_MAX_ANSWER_BYTES)  # fmt: skip
    with guarded as http:
        for subscription in PushSubscription.objects.filter(user=user):
            reached += _push_one(http, subscription, payload, errors, headers)
    if not reached:
        raise PushFailed("; ".join(errors) or "no device subscribed")
    return reached


def _push_one(
    http: egress.HTTPSession,
    subscription: PushSubscription,
    payload: str,
    errors: list[str],
    headers: dict[str, str],
) -> int:
    """1 when the push service took the message; 0 (and the reason in `errors`) otherwise."""
    info = {"endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}  # fmt: skip
    try:
        webpush(
            info, data=payload, vapid_private_key=vapid(), timeout=PUSH_TIMEOUT,
            vapid_claims={"sub": settings.VAPID_SUBJECT}, requests_session=http,
            headers=dict(headers),
        )  # fmt: skip
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):  # the browser unsubscribed: forget the device
            subscription.delete()
        else:
            errors.append(f"push service answered {status}")
    except egress.RequestFailed as exc:  # the network's errors and the guard's refusals
        errors.append(f"push: {type(exc).__name__}")
    else:
        return 1
    return 0
