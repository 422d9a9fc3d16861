"""A worker killed in the middle of a delivery: the row says how far the attempt got (claimed,
`sending`, with a lease, before the message left), the task that comes back waits out the lease
and sends again under the same message identity, which the receiving side drops as a repeat.
The kill is simulated by an exception no channel catches, raised before or after the message
left."""

import datetime as dt
import re
import smtplib

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.notifications import services as notifications
from cabinet.notifications.models import Delivery, NotificationSettings
from cabinet.notifications.services import (
    INTERRUPTED,
    SENDING_LEASE,
    LeaseHeld,
    delivery_run,
    digest_run,
    message_id,
    message_key,
    notify,
)
from tests.factories import UserFactory
from tests.support.fake_smtp import fake_smtp


class Killed(BaseException):
    """What SIGKILL does to a task: nothing after it runs (and no `except Exception` sees it)."""


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        user = UserFactory(email="vera@guest.example.com")
        ClientProfile.objects.create(user=user)
        channels = {"order_status": ["in_app", "email"]}
        NotificationSettings.objects.create(user=user, channels=channels)
        return user


def _email_delivery(guest, key: str = "k") -> Delivery:
    note = notify(recipient=guest, event="order_status", title="Order #3: Ready", key=key)
    return Delivery.objects.get(notification=note, channel="email")


def _lease_runs_out(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )


def _kill_before_sending(monkeypatch) -> None:
    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setitem(notifications.SENDERS, "email", killed)


def _kill_after_sending(monkeypatch) -> None:
    send = notifications.SENDERS["email"]

    def sent_then_killed(*args: object, **kwargs: object) -> None:
        send(*args, **kwargs)
        raise Killed

    monkeypatch.setitem(notifications.SENDERS, "email", sent_then_killed)


def test_killed_between_claim_and_send_it_is_sent_once_after_the_lease(hotel, guest, monkeypatch):
    # given a worker killed after it claimed the delivery, before the message left
    with tenant_context(hotel):
        delivery = _email_delivery(guest)
        with monkeypatch.context() as patched:
            _kill_before_sending(patched)
            with pytest.raises(Killed):
                delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == "sending"
        assert delivery.lease_until > timezone.now() + SENDING_LEASE - dt.timedelta(seconds=5)
        assert not mail.outbox
        # when the task comes back while the lease runs: it waits, it does not send
        with pytest.raises(LeaseHeld) as held:
            delivery_run(delivery_id=delivery.pk)
        assert 0 < held.value.seconds <= SENDING_LEASE.total_seconds() + 1
        assert not mail.outbox
        # when it comes back after the lease
        _lease_runs_out(delivery)
        assert delivery_run(delivery_id=delivery.pk) == "sent"
        # then one message, under the delivery's own identity
        delivery.refresh_from_db()
    (email,) = mail.outbox
    assert email.extra_headers["Message-ID"] == message_id(delivery.message_key)
    # and staff see on the client card that it may have gone out twice
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, INTERRUPTED)
    assert delivery.lease_until is None


def test_killed_between_send_and_mark_the_copy_carries_the_same_message_id(
    hotel, guest, monkeypatch
):
    # given a worker killed after the mail server took the message, before the row said so
    with tenant_context(hotel):
        delivery = _email_delivery(guest)
        with monkeypatch.context() as patched:
            _kill_after_sending(patched)
            with pytest.raises(Killed):
                delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == "sending"
        first_key = delivery.message_key
        # when the task comes back after the lease: nobody knows whether the message left
        _lease_runs_out(delivery)
        with monkeypatch.context() as patched:
            _kill_before_sending(patched)  # and is killed once more before sending
            with pytest.raises(Killed):
                delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.last_error == INTERRUPTED  # staff see why it went out again
        _lease_runs_out(delivery)
        assert delivery_run(delivery_id=delivery.pk) == "sent"
        assert delivery_run(delivery_id=delivery.pk) == "skipped"  # redelivered once more
        delivery.refresh_from_db()
    # then it went out again under the same identity, which receivers drop as a repeat
    assert len(mail.outbox) == 2
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {message_id(first_key)}
    assert (delivery.status, delivery.attempts, delivery.message_key) == ("sent", 3, first_key)
    assert delivery.last_error == INTERRUPTED


def test_a_message_key_names_the_cabinet_and_the_row_never_the_attempt(hotel, shop):
    # given the same row id in two cabinets
    with tenant_context(hotel):
        in_hotel = message_key("n", "7")
        assert message_key("n", "7") == in_hotel  # again: the same
        digest = message_key("g", "7")
        assert message_key("g", "7,8") != digest  # another digest's rows: another message
    with tenant_context(shop):
        in_shop = message_key("n", "7")
    # then each cabinet's message is its own, and a digest is not a delivery
    assert len({in_hotel, in_shop, digest}) == 3
    assert all(re.fullmatch(r"[0-9a-z]{32}", key) for key in (in_hotel, in_shop, digest))
    assert (in_hotel[0], digest[0]) == ("n", "g")
    assert re.fullmatch(r"<n[0-9a-z]{31}@localhost>", message_id(in_hotel))


def test_an_interrupted_digest_goes_out_again_with_the_same_rows_and_id(hotel, guest, monkeypatch):
    # given a digest of two held deliveries, killed after the message left
    with tenant_context(hotel):
        for n in range(5):
            notify(recipient=guest, event="order_status", title=f"#{n}", key=f"burst:{n}")
        held = set(Delivery.objects.filter(status="held").values_list("pk", flat=True))
        assert len(held) == 2
        with monkeypatch.context() as patched:
            _kill_after_sending(patched)
            with pytest.raises(Killed):
                digest_run(user_id=guest.pk, channel="email")
        # and a new notification held meanwhile
        notify(recipient=guest, event="order_status", title="#5", key="burst:5")
        # when the digest's task comes back after the lease
        sending = Delivery.objects.filter(status="sending")
        assert set(sending.values_list("pk", flat=True)) == held
        Delivery.objects.filter(pk__in=held).update(lease_until=timezone.now())
        assert digest_run(user_id=guest.pk, channel="email") == "sent"
        # then the same two rows under the same id; the new one waits for the next digest
        sent = Delivery.objects.filter(status="sent", pk__in=held)
        assert set(sent.values_list("pk", flat=True)) == held
        assert Delivery.objects.filter(status="held").count() == 1
        assert digest_run(user_id=guest.pk, channel="email") == "sent"
    digests = [m for m in mail.outbox if "update" in m.subject]
    ids = [m.extra_headers["Message-ID"] for m in digests]
    assert len(ids) == 3
    assert ids[0] == ids[1] != ids[2]
    assert ["#3" in m.body and "#4" in m.body and "#5" not in m.body for m in digests] == [
        True, True, False
    ]  # fmt: skip
    assert "#5" in digests[2].body


def test_a_task_that_finds_the_lease_running_comes_back_when_it_ends(hotel, guest):
    from cabinet.tasks import _deliver_or_retry

    class Task:
        retried_in: list[int] = []

        def retry(self, *, countdown: int, exc: Exception | None = None) -> Exception:
            self.retried_in.append(countdown)
            return RuntimeError("retried")

    task, gave_up = Task(), []

    def lease_held() -> str:
        raise LeaseHeld(12)

    with pytest.raises(RuntimeError, match="retried"):
        _deliver_or_retry(task, lease_held, lambda: gave_up.append(1))
    assert task.retried_in == [12]

    def failing(attempts: int):
        def run() -> str:
            raise notifications.DeliveryFailed("smtp: 451", attempts=attempts)

        return run

    with pytest.raises(RuntimeError, match="retried"):
        _deliver_or_retry(task, failing(3), lambda: gave_up.append(1))
    assert task.retried_in == [12, 120]  # 30 s, 60 s, 120 s …
    assert _deliver_or_retry(task, failing(6), lambda: gave_up.append(1)) == "failed"
    assert gave_up == [1]


def test_a_live_attempt_ends_before_its_lease():
    from django.conf import settings

    from cabinet.tasks import deliver_digest, deliver_notification

    # the hard time limit kills a stuck attempt before another worker may take its row over
    for task in (deliver_notification, deliver_digest):
        assert task.time_limit < SENDING_LEASE.total_seconds()
        assert task.acks_late
    assert deliver_notification.soft_time_limit > settings.EMAIL_TIMEOUT


def test_over_smtp_the_repeat_is_one_the_receiving_server_drops(
    hotel, guest, monkeypatch, settings
):
    # given the real SMTP backend and a receiving server
    with fake_smtp() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        # when a worker is killed after the server took the message, and the task comes back
        with tenant_context(hotel):
            delivery = _email_delivery(guest)
            with monkeypatch.context() as patched:
                _kill_after_sending(patched)
                with pytest.raises(Killed):
                    delivery_run(delivery_id=delivery.pk)
            _lease_runs_out(delivery)
            assert delivery_run(delivery_id=delivery.pk) == "sent"
            delivery.refresh_from_db()
    # then two transactions, one message in the mailbox, under the delivery's identity
    assert len(server.transactions) == 2
    assert server.repeats == 1
    assert list(server.mailbox) == [message_id(delivery.message_key)]


def test_the_fake_mail_server_counts_transactions_and_keeps_one_copy_of_a_message_id():
    # given a receiving server, and one message sent twice with the same Message-ID
    with fake_smtp() as server:
        for mid in ("<a@kabinet>", "<a@kabinet>", "<b@kabinet>"):
            message = (f"From: a@example.com\r\nTo: b@example.com\r\nMessage-ID: {mid}\r\n"
                       f"Subject: hello\r\n\r\nHi\r\n")  # fmt: skip
            with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as smtp:
                smtp.sendmail("a@example.com", ["b@example.com"], message)
    # then every transaction is counted, and the mailbox has one copy per Message-ID
    assert len(server.transactions) == 3
    assert server.repeats == 1
    assert sorted(server.mailbox) == ["<a@kabinet>", "<b@kabinet>"]
    assert server.copies_by_message_id() == {"<a@kabinet>": 2, "<b@kabinet>": 1}
