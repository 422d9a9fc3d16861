"""A local stand-in for a browser vendor's push service: records each push (path, headers and the
encrypted body), answers 201, or 410 for a subscription it has been told is gone."""

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.fake_server import FakeService, QuietHandler, serving


class FakePushService(FakeService):
    def __init__(self) -> None:
        self.pushes: list[dict] = []
        self.gone: set[str] = set()
        self.fail_next = 0

    def endpoint(self, name: str) -> str:
        return f"{self.url}/push/{name}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if fake.fail_next:
                    fake.fail_next -= 1
                    status = 503
                elif self.path.rsplit("/", 1)[-1] in fake.gone:
                    status = 410
                else:
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    fake.pushes.append({"path": self.path, "headers": headers, "body": body})
                    status = 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


@contextmanager
def fake_push_service() -> Iterator[FakePushService]:
    with serving(FakePushService()) as fake:
        yield fake
