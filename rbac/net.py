"""Addresses the server fetches on someone's say-so (an OIDC issuer, a webhook URL) must be on
the public internet: never our own network (SSRF)."""

import ipaddress
import socket

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def refuse_private_host(host: str, *, port: int = 443, allow_private: bool = False) -> None:
    """A ValidationError unless every address `host` resolves to is a global one."""
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port)}
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(_("This address does not resolve."), code="unresolvable") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise ValidationError(_("This address is not on the public internet."), code="private")
