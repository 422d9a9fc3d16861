"""A local stand-in for Twilio's Messages API: records each SMS (who to, from, text and the
account's credentials); can be told to fail."""

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from tests.support.fake_server import FakeService, QuietHandler, serving


class FakeTwilio(FakeService):
    def __init__(self) -> None:
        self.sms: list[dict] = []
        self.fail_next = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                if fake.fail_next:
                    fake.fail_next -= 1
                    status, payload = 500, {"code": 20500, "message": "Internal Server Error"}
                else:
                    basic = self.headers.get("Authorization", "").removeprefix("Basic ")
                    fake.sms.append({
                        "path": self.path, "account": base64.b64decode(basic).decode(),
                        **{key: values[0] for key, values in form.items()},
                    })  # fmt: skip
                    status = 201
                    payload = {"sid": f"SM{len(fake.sms):032d}", "status": "queued",
                               "to": form["To"][0], "body": form["Body"][0]}  # fmt: skip
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    with serving(FakeTwilio()) as fake:
        yield fake
