"""The filesystem queue `make run` uses without Redis: a consumer never reads a file another
process is still writing, and a message is taken by exactly one consumer."""

import importlib
import os
import subprocess
import sys
import threading
from queue import Empty

import pytest
from kombu import Connection


def _connection(tmp_path) -> Connection:
    return Connection(
        "filesystem://",
        # our transport itself, whichever broker this run's settings chose
        transport="config.broker:Transport",
        transport_options={
            "data_folder_in": str(tmp_path / "queue"),
            "data_folder_out": str(tmp_path / "queue"),
            "control_folder": str(tmp_path / "control"),
            "store_processed": False,
        },
    )


@pytest.fixture
def folders(tmp_path):
    (tmp_path / "queue").mkdir()
    (tmp_path / "control").mkdir()
    return tmp_path


def _interleave(monkeypatch, channel, action):
    """Run `action` at the moment the channel serialises what it writes — after the stock
    transport has already created the file under its final name, before it holds any bytes.
    This is where the operating system can schedule another process's read."""
    module = importlib.import_module(type(channel).__module__)
    real_dumps = module.dumps
    seen = []

    def dumps_then_let_another_process_read(value):
        text = real_dumps(value)
        seen.append(action())
        return text

    monkeypatch.setattr(module, "dumps", dumps_then_let_another_process_read)
    return seen


def test_a_consumer_polling_while_a_message_is_written_sees_no_message_not_a_torn_one(
    folders, monkeypatch
):
    # given a producer and a consumer on the same folder (the web process and the worker)
    with _connection(folders) as producer, _connection(folders) as consumer:
        sending, reading = producer.default_channel, consumer.default_channel

        def poll():
            try:
                return reading._get("kabinet")
            except Empty:
                return "empty"

        seen = _interleave(monkeypatch, sending, poll)

        # when the consumer polls while the producer is in the middle of writing
        sending._put("kabinet", {"body": "x" * 10_000})
        monkeypatch.undo()

        # then it saw nothing yet, and then the whole message, once
        assert seen == ["empty"]
        assert reading._get("kabinet") == {"body": "x" * 10_000}
        with pytest.raises(Empty):
            reading._get("kabinet")


def test_reading_an_exchange_table_while_it_is_first_written_sees_no_half_table(
    folders, monkeypatch
):
    # given a process binding the first queue to a broadcast exchange (celery's pidbox)
    with _connection(folders) as binder, _connection(folders) as reader:
        binding, reading = binder.default_channel, reader.default_channel
        seen = _interleave(monkeypatch, binding, lambda: reading.get_table("celery.pidbox"))

        # when another process reads the table meanwhile (a broadcast `ping`)
        binding._queue_bind("celery.pidbox", "", "", "worker-1.pidbox")
        monkeypatch.undo()

        # then it read "no queues yet", and afterwards the whole table
        assert seen == [[]]
        assert [q.queue for q in reading.get_table("celery.pidbox")] == ["worker-1.pidbox"]


def test_bindings_from_two_processes_are_both_kept_and_removed_one_by_one(folders):
    # given two workers binding their queues to the same exchange
    with _connection(folders) as one, _connection(folders) as two:
        one.default_channel._queue_bind("celery.pidbox", "", "", "worker-1.pidbox")
        two.default_channel._queue_bind("celery.pidbox", "", "", "worker-2.pidbox")

        # when the first one leaves
        one.default_channel._delete("worker-1.pidbox", "celery.pidbox", "", "")

        # then only the second remains
        table = two.default_channel.get_table("celery.pidbox")
        assert [q.queue for q in table] == ["worker-2.pidbox"]


def test_each_message_is_taken_by_exactly_one_of_several_racing_consumers(folders):
    # given 200 messages in the queue and four consumers polling it at once
    with _connection(folders) as producer:
        for n in range(200):
            producer.default_channel._put("kabinet", {"n": n})
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def consume():
        with _connection(folders) as conn:
            while True:
                try:
                    message = conn.default_channel._get("kabinet")
                except Empty:
                    return
                except BaseException as exc:  # any failure fails the test below
                    errors.append(exc)
                    return
                with lock:
                    taken.append(message["n"])

    # when they drain it
    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then every message was delivered once, none twice, none lost
    assert errors == []
    assert sorted(taken) == list(range(200))


def test_make_run_uses_the_atomic_transport_for_the_filesystem_queue(tmp_path):
    # given the environment `make run` gets without REDIS_URL (whatever broker this run uses)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", KABINET_BROKER_DIR=str(tmp_path))
    probe = (
        "import django; django.setup(); from config.celery import app; "
        "c = app.connection_for_write(); "
        "print(c.transport_cls, type(c.default_channel).__module__)"
    )
    # when a process starts Celery's app from those settings
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    # then its connections go through config.broker
    assert out == ["config.broker:Transport", "config.broker"]
