"""kombu's filesystem transport, made safe for more than one process (`make run` without Redis).

The stock transport creates a message file under its final name and then writes it, and rewrites
an exchange's table in place: a consumer polling the folder in between reads a half-written file
(an empty body, a JSONDecodeError that kills the worker's consumer loop). It also claims a
message by moving it to the system's temporary folder, which across file systems is a copy and a
delete, so two consumers can both take it. Here every file is written under a hidden name in its
own folder and renamed into place (atomic on POSIX: a reader sees no file or a whole one), and a
message is claimed by an atomic rename inside the queue folder, which exactly one consumer wins.

Chosen by `CELERY_BROKER_TRANSPORT` in config.settings whenever the broker URL is filesystem://.
"""

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

CLAIMED = ".claimed"  # inside the queue folder: same file system, so a rename is atomic


def write_atomically(path: Path, body: bytes) -> None:
    """Write under a hidden temporary name beside `path`, flush it to disk, rename it into place."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        with open(temporary, "wb", buffering=0) as f:
            f.write(body)
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise filesystem.ChannelError(f"Cannot write {path}") from exc


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        write_atomically(Path(self.data_folder_out) / name, str_to_bytes(dumps(payload)))

    def _get(self, queue):
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        claimed = folder / CLAIMED
        claimed.mkdir(exist_ok=True)
        for filename in sorted(os.listdir(folder)):
            if filename.startswith(".") or filename.partition(".")[2] != wanted:
                continue
            target = claimed / f"{uuid.uuid4().hex}-{filename}"
            try:
                os.rename(folder / filename, target)  # exactly one consumer wins
            except OSError:
                continue  # another consumer took it first
            try:
                payload = target.read_bytes()
                if self.store_processed:
                    processed = Path(self.processed_folder)
                    processed.mkdir(parents=True, exist_ok=True)
                    os.replace(target, processed / filename)
                else:
                    target.unlink()
            except OSError as exc:
                raise filesystem.ChannelError(f"Cannot read {filename!r} from the queue") from exc
            return loads(bytes_to_str(payload))
        raise Empty()

    @contextmanager
    def _table_lock(self, exchange):
        """Writers of one exchange's table take turns on a lock file beside it; readers need no
        lock, since the table itself is only ever replaced whole."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(file.with_name(f".{file.name}.lock"), "ab") as lock_file:
            filesystem.lock(lock_file, filesystem.LOCK_EX)
            try:
                yield file
            finally:
                filesystem.unlock(lock_file)

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            table = loads(bytes_to_str(file.read_bytes()))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot open {file}") from exc
        return [filesystem.exchange_queue_t(*q) for q in table]

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange) as file:
            queues = self.get_table(exchange)
            if binding not in queues:
                write_atomically(file, str_to_bytes(dumps([binding, *queues])))

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual_channel = filesystem.virtual.Channel  # the stock one rewrites the table in place
        virtual_channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange) as file:
            queues = self.get_table(exchange)
            if binding in queues:
                queues.remove(binding)
                write_atomically(file, str_to_bytes(dumps(queues)))


class Transport(filesystem.Transport):
    Channel = Channel
