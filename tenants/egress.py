"""The egress guard: every HTTP request the server makes on a tenant's say-so (a webhook URL, an
OpenID Connect issuer and the endpoints its discovery names, a browser's push endpoint, the
Telegram API) goes through `session()`, and only to the public internet.

- The host is resolved once, when the connection is made, and the connection goes to the
  address that was checked (requests-hardened pins it), so a name that answers a public
  address to a first lookup and an internal one to the next (DNS rebinding) gets nowhere.
- Refused: private, loopback, link-local, shared (CG-NAT), multicast, reserved and unspecified
  addresses, and the clouds' metadata services (169.254.169.254, fd00:ec2::254, …).
- TLS still verifies the host name: SNI and the certificate check are on the name, not on the
  pinned address.
- Every redirect is a new connection, checked again; where a caller does not need redirects
  the session refuses to follow them. Plain http is refused unless private addresses are
  allowed (development).
- The answer is read by the guard, at most `max_bytes` of it, within `timeout` seconds in all.

One switch, `allow_private`, lets loopback addresses through for development and tests (the
local fakes on 127.0.0.1): callers pass their setting (WEBHOOKS_ALLOW_PRIVATE,
OAUTH_ALLOW_PRIVATE_ISSUERS, PUSH_ALLOW_LOCAL_ENDPOINTS, TELEGRAM_ALLOW_PRIVATE). Even then
other private networks and the metadata addresses stay refused.

Stripe's and Twilio's own clients are not routed here: they talk to fixed hosts from settings,
never to an address a tenant chose. tests/tenants/test_egress_scan.py holds that list.
"""

import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from requests.adapters import BaseAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services: credentials live there. Refused even when private addresses are
# allowed. AWS/GCP/Azure/OpenStack (and the AWS IPv6 one), Alibaba, Azure's wire server.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
DEFAULT_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
_CHUNK = 16 * 1024


# Every failure of a guarded request (refused, too large, too slow, the network's) is one of
# these, so callers need not import requests.
RequestFailed = requests.RequestException


class EgressRefused(requests.RequestException):
    """The destination is not one the server may reach."""


class ResponseTooLarge(requests.RequestException):
    """The answer is longer than the caller allows; `.response` has its status and headers."""


class ResponseTooSlow(requests.Timeout):
    """The answer took longer in all than the caller allows (a slow drip, not one slow read)."""


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why the server may not connect to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if allow_private and address.is_loopback:
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in network for network in EXTRA_BLOCKED_NET_RANGES):
        return "a reserved address"
    if not address.is_global:  # private, reserved, unspecified, documentation, shared (CG-NAT)
        return "not a public address"
    return None


def refuse_private_host(host: str, *, port: int = 443, allow_private: bool = False) -> None:
    """For a form: a ValidationError, in the person's language, unless every address `host`
    resolves to now may be reached. Connecting later checks again, at connect time; this only
    tells the owner early that an address cannot work."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(_("This address does not resolve."), code="unresolvable") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address_refusal(address, allow_private=allow_private):
            raise ValidationError(_("This address is not on the public internet."), code="private")


class GuardedAdapter(IPFilterAdapter):
    """requests-hardened's adapter (one lookup, the connection pinned to the address found,
    SNI and the certificate on the host name) with our stricter address rule on top, and a
    body read by the guard within a size and a time cap."""

    def __init__(self, *, https: bool, allow_private: bool, max_bytes: int, timeout: float):
        super().__init__(is_https_proto=https, allow_loopback=allow_private)
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.timeout = timeout

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        hostname = urlsplit(request.url or "").hostname
        try:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
        except InvalidIPAddress as exc:
            raise EgressRefused(f"{hostname}: {exc} is not a public address") from exc
        pinned = ipaddress.ip_address(host_params["host"].strip("[]"))
        reason = address_refusal(pinned, allow_private=self.allow_private)
        if reason:
            raise EgressRefused(f"{hostname}: {pinned} is {reason}")
        return host_params, pool_kwargs

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
        **kwargs: Any,
    ) -> requests.Response:  # fmt: skip
        started = time.monotonic()
        if timeout is None:
            timeout = (min(CONNECT_TIMEOUT_SECONDS, self.timeout), self.timeout)
        response = super().send(request, stream=True, timeout=timeout, **kwargs)
        try:
            response._content = self._read(response, started)
            response._content_consumed = True
        except (ResponseTooLarge, ResponseTooSlow) as exc:
            exc.response, exc.request = response, request
            raise
        finally:
            response.close()
        return response

    def _read(self, response: requests.Response, started: float) -> bytes:
        """The whole body, decoded, or ResponseTooLarge / ResponseTooSlow."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLarge(f"the answer is {declared} bytes, over {self.max_bytes}")
        body, size = [], 0
        try:
            # read1: what has arrived, so the clock is checked while a server drips
            while chunk := response.raw.read1(_CHUNK, decode_content=True):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(f"the answer is over {self.max_bytes} bytes")
                if time.monotonic() - started > self.timeout:
                    raise ResponseTooSlow(f"the answer took over {self.timeout:g} s")
                body.append(chunk)
        except (ResponseTooLarge, ResponseTooSlow):
            raise  # OSErrors themselves, as every RequestException is
        except ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc) from exc
        except SSLError as exc:
            raise requests.exceptions.SSLError(exc) from exc
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from exc
        except (ProtocolError, OSError) as exc:
            raise requests.ConnectionError(exc) from exc
        return b"".join(body)


class _PlainHttpRefused(BaseAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise EgressRefused(f"{request.url}: plain http is refused, use https")

    def close(self) -> None:
        pass


def session(
    *,
    allow_private: bool,
    follow_redirects: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> requests.Session:
    """A requests session that reaches only the public internet (see the module's doc).
    `timeout` caps each request in all (connecting, waiting, reading); `max_bytes` its body.
    Use it as a context manager so its connections are closed."""
    http = HTTPSession(
        Config(
            ip_filter_enable=False,  # our adapters below do the filtering, more strictly
            ip_filter_allow_loopback_ips=False,
            never_redirect=not follow_redirects,
            default_timeout=(min(CONNECT_TIMEOUT_SECONDS, timeout), timeout),
        )
    )
    http.max_redirects = MAX_REDIRECTS
    # Proxy settings from the environment would send the request elsewhere than the address
    # checked, and .netrc would add credentials nobody asked for.
    http.trust_env = False
    guarded = {"allow_private": allow_private, "max_bytes": max_bytes, "timeout": timeout}
    http.mount("https://", GuardedAdapter(https=True, **guarded))
    http.mount(
        "http://", GuardedAdapter(https=False, **guarded) if allow_private else _PlainHttpRefused()
    )
    return http
