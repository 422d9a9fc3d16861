"""A local stand-in for a "Pwned Passwords" range service: `GET /range/<5 hex>` answers every
known SHA-1 suffix under that prefix as `SUFFIX:COUNT` lines, padded with zero-count lines when
asked (`Add-Padding: true`), as the real one does. Records the prefixes it was asked for."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.fake_server import FakeService, QuietHandler, serving


class FakePwned(FakeService):
    def __init__(self, breached: dict[str, int] | None = None) -> None:
        self.hashes = {
            hashlib.sha1(password.encode()).hexdigest().upper(): count  # noqa: S324
            for password, count in (breached or {}).items()
        }
        self.asked: list[str] = []
        self.fail_next = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                prefix = self.path.rsplit("/", 1)[-1].upper()
                fake.asked.append(self.path)
                if fake.fail_next:
                    fake.fail_next -= 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                lines = [
                    f"{digest[5:]}:{count}"
                    for digest, count in fake.hashes.items()
                    if digest.startswith(prefix)
                ]
                if self.headers.get("Add-Padding") == "true":
                    lines += [f"{n:035X}:0" for n in range(1, 6)]
                body = "\r\n".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@contextmanager
def fake_pwned(breached: dict[str, int] | None = None) -> Iterator[FakePwned]:
    with serving(FakePwned(breached)) as fake:
        yield fake
