"""Serving a local fake of an external HTTP service for the length of a test."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol, TypeVar


class Fake(Protocol):
    server: ThreadingHTTPServer

    def handler(self) -> type[BaseHTTPRequestHandler]: ...


F = TypeVar("F", bound=Fake)


@contextmanager
def serving(fake: F) -> Iterator[F]:
    """`fake` answering on 127.0.0.1 (a free port, in `fake.server`) until the block ends."""
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
