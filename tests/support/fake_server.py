"""Serving a local fake of an external HTTP service for the length of a test."""

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class FakeService(ABC):
    """A fake answers through the handler class it makes; `url` is where it listens."""

    server: ThreadingHTTPServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @abstractmethod
    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class that answers for this fake."""


F = TypeVar("F", bound=FakeService)


@contextmanager
def serving(fake: F) -> Iterator[F]:
    """`fake` answering on 127.0.0.1 (a free port) until the block ends."""
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
