"""socket.getaddrinfo for tests of the egress guard: names a test scripts answer their addresses
one per lookup (the last one again after that), the way a DNS-rebinding name answers a public
address first and an internal one next; every other name goes to the real resolver."""

import socket
from collections.abc import Callable


class ScriptedResolver:
    def __init__(self, real: Callable = socket.getaddrinfo) -> None:
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self.real(host, port, family, type, proto, flags)
        self.lookups.append(name)
        queue = self.answers[name]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]
