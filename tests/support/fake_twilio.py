"""A local stand-in for Twilio's Messages API: records each SMS (who to, from, text and the
account's credentials); can be told to fail."""

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from tests.support.fake_server import FakeService, QuietHandler, serving


class FakeTwilio(FakeService):
    def __init__(self, outbox: Path | None = None) -> None:
        self.sms: list[dict] = []
        self.fail_next = 0
        self.outbox = outbox  # `make run`: each SMS also written there, to be read by a person

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
                    fake.keep(fake.sms[-1])
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

    def keep(self, sms: dict) -> None:
        if self.outbox is None:
            return
        self.outbox.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{len(self.sms):04d}-{sms.get('To', '').lstrip('+')}.txt"
        (self.outbox / name).write_text(
            f"To: {sms.get('To')}\nFrom: {sms.get('From')}\n\n{sms.get('Body')}\n"
        )


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    with serving(FakeTwilio()) as fake:
        yield fake


def main() -> None:
    """`python -m tests.support.fake_twilio --port N --outbox DIR`: the SMS provider of
    `make run`, until interrupted; every text lands as a file in DIR."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=12112)
    parser.add_argument("--outbox", type=Path, required=True)
    args = parser.parse_args()
    fake = FakeTwilio(outbox=args.outbox)
    fake.server = ThreadingHTTPServer(("127.0.0.1", args.port), fake.handler())
    with suppress(KeyboardInterrupt):
        fake.server.serve_forever()


if __name__ == "__main__":
    main()
