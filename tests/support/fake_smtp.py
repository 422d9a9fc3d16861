"""A local SMTP server (aiosmtpd) that receives as a mail system does: every transaction it
accepts is counted, and a message whose Message-ID it has already received is accepted and
dropped, as receiving systems and mailboxes keep one copy of a Message-ID. So both figures are
there: `transactions` (what our side sent, repeats included) and `mailbox` (what a person would
find: one message per Message-ID)."""

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    message_id: str
    subject: str
    to: list[str]


@dataclass
class FakeSmtp:
    transactions: list[Received] = field(default_factory=list)
    mailbox: dict[str, EmailMessage] = field(default_factory=dict)  # by Message-ID, first copy
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        message_id = str(message.get("Message-ID", "")).strip()
        with self.lock:
            self.transactions.append(
                Received(message_id, str(message.get("Subject", "")), list(envelope.rcpt_tos))
            )
            if not message_id:  # nothing to recognise a copy by: every one is a message
                message_id = f"<none-{len(self.transactions)}>"
            self.mailbox.setdefault(message_id, message)
        return "250 2.0.0 Ok: queued"

    @property
    def repeats(self) -> int:
        """Transactions that carried a Message-ID received before (dropped on arrival)."""
        return len(self.transactions) - len(self.mailbox)

    def copies_by_message_id(self) -> Counter[str]:
        return Counter(t.message_id for t in self.transactions)


@contextmanager
def fake_smtp() -> Iterator[FakeSmtp]:
    """The server on 127.0.0.1 (a free port) until the block ends; `.port` is where."""
    fake = FakeSmtp()
    with socket.socket() as probe:  # aiosmtpd connects to its port to see it is up: name one
        probe.bind(("127.0.0.1", 0))
        fake.port = probe.getsockname()[1]
    controller = Controller(fake, hostname="127.0.0.1", port=fake.port)
    controller.start()
    try:
        yield fake
    finally:
        controller.stop()
