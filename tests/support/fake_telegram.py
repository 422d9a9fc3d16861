"""A local stand-in for Telegram's Bot API: records sendMessage calls; can be told to fail."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.fake_server import FakeService, QuietHandler, serving


class FakeTelegram(FakeService):
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.fail_next = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if fake.fail_next:
                    fake.fail_next -= 1
                    self.send_response(502)
                    self.end_headers()
                    return
                fake.messages.append({"path": self.path, **body})
                payload = json.dumps({"ok": True, "result": {"message_id": len(fake.messages)}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

        return Handler


@contextmanager
def fake_telegram() -> Iterator[FakeTelegram]:
    with serving(FakeTelegram()) as fake:
        yield fake
