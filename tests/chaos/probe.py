"""Loaded into `make chaos`'s worker (CELERY_IMPORTS): each task's start and end, with the time
and the worker's pid, appended to CHAOS_LOG, and a pause of up to CHAOS_PAUSE_SECONDS before the
task's body and again after it (before the broker is told it is done), so that the kills land
in the middle of the work and in the window between its effect and its acknowledgement."""

import os
import time
import zlib

from celery import signals

LOG = os.environ.get("CHAOS_LOG", "")
PAUSE = float(os.environ.get("CHAOS_PAUSE_SECONDS", "0.3"))


def _write(event: str, task_id: str, name: str) -> None:
    if not LOG:
        return
    line = f"{time.time():.6f} {os.getpid()} {event} {task_id} {name}\n".encode()
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write per line: whole lines, whatever the other processes do
    finally:
        os.close(fd)


def _pause(task_id: str, salt: str) -> None:
    # a spread of pauses that needs no random generator: from the task's id
    time.sleep(PAUSE * (zlib.crc32(f"{task_id}{salt}".encode()) % 1000) / 1000)


@signals.task_prerun.connect(weak=False)
def _started(task_id: str = "", task=None, **_) -> None:
    _write("start", task_id, getattr(task, "name", "?"))
    _pause(task_id, "before")


@signals.task_postrun.connect(weak=False)
def _ended(task_id: str = "", task=None, state: str = "", **_) -> None:
    _pause(task_id, "after")
    _write("end", task_id, f"{getattr(task, 'name', '?')}:{state}")
