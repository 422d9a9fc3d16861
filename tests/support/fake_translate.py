"""A local stand-in for LibreTranslate's POST /translate: answers "[<target>] <text>" for every
text, records what it was asked; can be told to fail."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.fake_server import FakeService, QuietHandler, serving


class FakeTranslate(FakeService):
    def __init__(self) -> None:
        self.asked: list[dict] = []
        self.fail_next = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.asked.append({"path": self.path, **body})
                if fake.fail_next or self.path != "/translate":
                    fake.fail_next = max(0, fake.fail_next - 1)
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
                answer = [f"[{body['target']}] {text}" for text in texts]
                payload = json.dumps({"translatedText": answer}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


@contextmanager
def fake_translate() -> Iterator[FakeTranslate]:
    with serving(FakeTranslate()) as fake:
        yield fake
