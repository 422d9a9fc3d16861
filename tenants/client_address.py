"""The address of the person on the other end of a request: the one thing every rate limit, lockout
and audit entry keys on, read one way everywhere.

`TRUSTED_PROXY_COUNT` says how many reverse proxies of ours stand in front of the server. Each of
them appends the address it was connected from to `X-Forwarded-For`, so the client's own address is
the one the outermost proxy appended: the count-th entry from the right. Everything to the left of
it was written by the client and is ignored. With no proxies (the default), the header is ignored
altogether and the socket's peer (`REMOTE_ADDR`) is the client. django-allauth's rate limits
(rbac.adapters), DRF's throttles (api.auth), the audit log (rbac.audit) and gunicorn's
`forwarded_allow_ips` (docker/gunicorn.conf.py) all read it through here.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """A bare IP address (from `[::1]:8443` or `1.2.3.4:80` as proxies may write), or None."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value.split("%", 1)[0]))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address, from the socket or from the hop our outermost trusted proxy wrote."""
    peer = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 (a key, not a bind)
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # Fewer hops than proxies: this request did not come through all of them (or a proxy does
        # not write the header). The peer is then the only address nobody could choose.
        return peer
    return _address(hops[-proxies]) or peer
