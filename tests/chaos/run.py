"""Chaos run: a real Celery worker on the production broker, SIGKILLed CHAOS_KILLS times (100) in
the middle of notification deliveries, usage flushes and document builds.

    make chaos                (= .venv/bin/python -m tests.chaos.run; RabbitMQ, quorum queues)
    CHAOS_BROKER_URL=redis://127.0.0.1:6379/0 CHAOS_KILLS=5 make chaos     (the other candidate)

Set-up: a scratch database (CHAOS_DATABASE, kabinet_chaos, recreated and dropped), the platform and
two cabinets, a local fake Stripe (meter events deduplicated by identifier, as Stripe does), and a
local SMTP server (tests/support/fake_smtp.py) that the workers send their e-mail to over SMTP: it
counts every transaction, and keeps one copy of a Message-ID, as receiving mail systems do.

Then CHAOS_KILLS times: a wave of work is sent — NOTES notifications (each an e-mail delivery,
`cabinet.deliver_notification`), DOCS receipts (`cabinet.build_receipt`, a PDF and a numbered
document) and one usage flush of fresh ledger rows (`billing.flush_usage`, meter events to Stripe)
— a worker (prefork, 2 children, as deployed) is started, and once it is running a task it is
killed with SIGKILL, its whole process group (an OOM kill, a lost node), at a moment that falls
before a task's effect, in its middle, or between its effect and its acknowledgement
(tests/chaos/probe.py widens both windows). A new worker is started at once, as a supervisor would.
After the last kill a worker (without the pauses) runs until everything is done, or for
CHAOS_SETTLE_SECONDS (600) at most.

Printed: what was lost (a delivery never sent, an order without its receipt, ledger rows that
never reached Stripe), what was duplicated (a delivery that reached the mailbox as two messages,
that is under two Message-IDs; two documents for one order; units billed twice), and apart, as
they cost nothing: SMTP transactions that repeated a Message-ID already received (a delivery sent
again after an interrupted attempt, dropped on arrival), meter events Stripe dropped as repeats,
and document numbers a killed build took and never used (a gap in the series; it fails the run);
and the redelivery latency: for every task a worker held when it was killed, the time from the
kill to its start in another worker (p50, p99, max). Exits 1 when anything was lost or
duplicated, or a redelivery took longer than a minute.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path

from tests.bench.harness import (
    BASE_DIR,
    PYTHON,
    BenchError,
    bench_env,
    drop_database,
    exit_cleanly_on_sigterm,
    recreate_database,
    say,
    server_url,
)
from tests.support.fake_smtp import FakeSmtp, fake_smtp

DATABASE = os.environ.get("CHAOS_DATABASE", "kabinet_chaos")  # a scratch database, dropped
BROKER = os.environ.get("CHAOS_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
KILLS = int(os.environ.get("CHAOS_KILLS", "100"))
SETTLE = float(os.environ.get("CHAOS_SETTLE_SECONDS", "600"))
NOTES, DOCS, USAGE_ROWS = 4, 2, 20  # per wave
WORKER_START_TIMEOUT = 60.0
REDELIVERY_LIMIT = 60.0


def setup(data_dir: Path) -> dict:
    """The platform, two cabinets with a client each, billing rows for the flushes."""
    import django

    django.setup()
    from django.core.management import call_command

    from billing import gateway
    from billing.models import Subscription
    from billing.plans import meters_ensure
    from cabinet.accounts.models import ClientProfile
    from cabinet.notifications.models import NotificationSettings
    from rbac.models import User
    from tenants.models import Tenant, TenantStatus
    from tenants.services import OwnerSpec, tenant_provision

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("platform_setup", verbosity=0)
    cabinets = []
    for slug in ("chaosa", "chaosb"):
        tenant = tenant_provision(
            slug=slug, name=f"Chaos {slug[-1].upper()}", vertical="shop",
            owner=OwnerSpec(email=f"owner@{slug}.example.com", password="x" * 16,
                            email_verified=True),
            status=TenantStatus.ACTIVE,
        )  # fmt: skip
        from django_tenants.utils import tenant_context

        with tenant_context(tenant):
            user = User.objects.create(email=f"client@{slug}.example.com", full_name="Client")
            ClientProfile.objects.create(user=user)
            NotificationSettings.objects.create(user=user, channels={})
        cabinets.append(tenant)
    # Usage is billed for a tenant with a Stripe customer on a paid plan (public rows only).
    billed = Tenant.objects.create(schema_name="chaosbill", slug="chaosbill", name="Billed")
    plan = Subscription._meta.get_field("plan").related_model.objects.get(code="start")
    customer = gateway.customer_create(tenant_id=billed.pk, name="Billed", email="", slug="x")
    Subscription.objects.create(tenant=billed, plan=plan, stripe_customer_id=customer)
    meters_ensure()
    return {"cabinets": cabinets, "billed": billed}


def send_wave(world: dict, wave: int) -> None:
    """NOTES deliveries and DOCS receipts in each cabinet, one flush of USAGE_ROWS new rows."""
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from billing.models import UsageEvent
    from billing.tasks import flush_usage
    from cabinet.accounts.models import ClientProfile
    from cabinet.notifications.models import Delivery, Notification
    from cabinet.orders.models import Order
    from cabinet.tasks import build_receipt, deliver_notification
    from tenants.tasks_base import SCHEMA_HEADER

    for tenant in world["cabinets"]:
        with tenant_context(tenant):
            client = ClientProfile.objects.select_related("user").get()
            for n in range(NOTES):
                key = f"chaos-{tenant.schema_name}-{wave}-{n}"
                note = Notification.objects.create(user=client.user, event="order_status",
                                                   title=key, dedupe_key=key)  # fmt: skip
                delivery = Delivery.objects.create(notification=note, channel="email")
                deliver_notification.apply_async(
                    args=[delivery.pk], headers={SCHEMA_HEADER: connection.schema_name}
                )
            for n in range(DOCS):
                order = Order.objects.create(
                    client=client, payment=Order.Payment.BALANCE, status=Order.Status.DONE,
                    subtotal=Decimal("10.00"), total=Decimal("10.00"),
                    submission_key=f"chaos-{wave}-{n}",
                )  # fmt: skip
                build_receipt.apply_async(
                    args=[order.pk], headers={SCHEMA_HEADER: connection.schema_name}
                )
    now = timezone.now()
    UsageEvent.objects.bulk_create(
        UsageEvent(
            tenant=world["billed"],
            metric="orders",
            quantity=1,
            occurred_at=now,
            idempotency_key=f"chaos-{wave}-{n}",
        )
        for n in range(USAGE_ROWS)
    )
    flush_usage.apply_async()


def start_worker(env: dict[str, str], n: int, log: Path) -> subprocess.Popen:
    command = [
        PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "WARNING", "-P", "prefork",
        "--concurrency", "2", "-n", f"chaos{n}@%h", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=out, start_new_session=True
        )


def read_log(path: Path) -> list[tuple[float, int, str, str, str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        at, pid, event, task_id, name = line.split(" ", 4)
        rows.append((float(at), int(pid), event, task_id, name))
    return rows


def group_pids(leader: int) -> set[int]:
    """The worker's processes: its main process and its pool's children."""
    found = subprocess.run(["ps", "-o", "pid=", "-g", str(leader)], capture_output=True,
                           text=True, check=False).stdout.split()  # fmt: skip
    return {int(pid) for pid in found} | {leader}


def wait_for_a_task_in(worker: subprocess.Popen, log: Path, since: int) -> bool:
    """Until one of this worker's processes has started a task (logged after line `since`)."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise BenchError(f"the worker exited by itself ({worker.returncode})")
        rows = read_log(log)[since:]
        pids = group_pids(worker.pid)
        if any(event == "start" and pid in pids for _at, pid, event, _id, _name in rows):
            return True
        time.sleep(0.05)
    return False


def kill(worker: subprocess.Popen) -> tuple[float, set[int]]:
    pids = group_pids(worker.pid)
    at = time.time()
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    return at, pids


def outcome(world: dict, smtp: FakeSmtp, fake) -> dict[str, int]:
    from django_tenants.utils import tenant_context

    from billing.models import UsageEvent
    from cabinet.documents.models import Document, DocumentSeries
    from cabinet.notifications.models import Delivery
    from cabinet.orders.models import Order

    lost: Counter[str] = Counter()
    duplicated: Counter[str] = Counter()
    # what the receiving side holds: each delivery's messages by distinct Message-ID (a copy
    # with a Message-ID received before is dropped on arrival, as mail systems do)
    received: defaultdict[str, set[str]] = defaultdict(set)
    for mail in list(smtp.transactions):
        if found := re.search(r"(chaos-\S+-\d+-\d+)", mail.subject):
            received[found.group(1)].add(mail.message_id)
    skipped_numbers = 0
    for tenant in world["cabinets"]:
        with tenant_context(tenant):
            for delivery in Delivery.objects.select_related("notification"):
                messages = len(received[delivery.notification.title])
                lost["deliveries"] += delivery.status != Delivery.Status.SENT or messages == 0
                duplicated["e-mails"] += max(0, messages - 1)
            per_order = Counter(Document.objects.values_list("order_id", flat=True))
            for order_id in Order.objects.values_list("pk", flat=True):
                lost["receipts"] += per_order[order_id] == 0
                duplicated["receipts"] += max(0, per_order[order_id] - 1)
            numbered = Document.objects.count()
            skipped_numbers += sum(DocumentSeries.objects.values_list("last", flat=True)) - numbered
    rows = UsageEvent.objects.filter(tenant=world["billed"]).count()
    billed = sum(int(e["payload"]["value"]) for e in fake.meter_events.values())
    lost["usage units"] = max(0, rows - billed)
    duplicated["usage units"] = max(0, billed - rows)
    sends = Counter(
        r["params"].get("identifier") for r in fake.requests
        if r.get("path", "").endswith("/billing/meter_events")
    )  # fmt: skip
    repeats = sum(count - 1 for count in sends.values() if count > 1)
    return {
        "lost": lost,
        "duplicated": duplicated,
        "stripe_repeats": repeats,
        "rows": rows,
        "smtp_transactions": len(smtp.transactions),
        "smtp_repeats": smtp.repeats,
        "skipped_numbers": skipped_numbers,
    }


def redeliveries(rows: list, kills: list[tuple[float, set[int]]]) -> tuple[int, list[float]]:
    """For each kill, the tasks its processes had started and not finished, and how long after
    the kill each started again elsewhere (inf: never)."""
    ended = {(pid, task_id) for _at, pid, event, task_id, _n in rows if event == "end"}
    starts = defaultdict(list)
    for at, pid, event, task_id, _name in rows:
        if event == "start":
            starts[task_id].append((at, pid))
    held, delays = 0, []
    for killed_at, pids in kills:
        for task_id, runs in starts.items():
            if any(pid in pids and at <= killed_at and (pid, task_id) not in ended
                   for at, pid in runs):  # fmt: skip
                held += 1
                later = [at for at, pid in runs if at > killed_at and pid not in pids]
                delays.append(min(later) - killed_at if later else float("inf"))
    return held, delays


def settle(env: dict[str, str], world: dict, log: Path, worker_log: Path, smtp: FakeSmtp,
           fake) -> None:  # fmt: skip
    # no more kills: the last worker works through the backlog without the probe's pauses
    worker = start_worker({**env, "CHAOS_PAUSE_SECONDS": "0"}, KILLS + 1, worker_log)
    deadline = time.monotonic() + SETTLE
    try:
        while time.monotonic() < deadline:
            result = outcome(world, smtp, fake)
            if not sum(result["lost"].values()):
                break
            time.sleep(2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def main() -> int:
    exit_cleanly_on_sigterm()
    url = server_url(DATABASE)
    broker = BROKER.split("@")[-1]
    say(f"chaos run: {KILLS} SIGKILLs of a Celery worker on {BROKER.split(':')[0]} ({broker})")
    from tests.support.fake_stripe import fake_stripe

    with tempfile.TemporaryDirectory(prefix="kabinet-chaos-") as folder, ExitStack() as stack:
        data_dir = Path(folder)
        fake = stack.enter_context(fake_stripe())
        smtp = stack.enter_context(fake_smtp())
        log, worker_log = data_dir / "tasks.log", data_dir / "worker.log"
        env = bench_env(
            url, settings_module="config.settings", data_dir=data_dir,
            TENANT_POOL_SIZE="0", DEBUG="false", LOG_LEVEL="WARNING", LOG_FORMAT="plain",
            CELERY_BROKER_URL=BROKER, CELERY_TASK_DEFAULT_QUEUE=f"chaos-{os.getpid()}",
            CELERY_IMPORTS="tests.chaos.probe", CHAOS_LOG=str(log),
            STRIPE_API_KEY="sk_test_chaos", STRIPE_API_BASE=fake.url,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        )  # fmt: skip
        os.environ.update(env)
        recreate_database(url)
        try:
            started = time.monotonic()
            world = setup(data_dir)
            wave = (
                f"{NOTES} deliveries and {DOCS} receipts per cabinet (2), {USAGE_ROWS} usage rows"
            )
            say(f"  set-up: {time.monotonic() - started:.0f} s; each wave: {wave}")
            kills: list[tuple[float, set[int]]] = []
            missed = 0
            started = time.monotonic()
            for n in range(KILLS):
                send_wave(world, n)
                since = len(read_log(log))
                worker = start_worker(env, n, worker_log)
                if not wait_for_a_task_in(worker, log, since):
                    missed += 1
                time.sleep((n * 7919 % 400) / 1000)  # 0–0.4 s into the work, varied
                kills.append(kill(worker))
            say(f"  {len(kills)} SIGKILLs in {time.monotonic() - started:.0f} s"
                f"{f' ({missed} before any task started)' if missed else ''}")  # fmt: skip
            settle(env, world, log, worker_log, smtp, fake)
            result = outcome(world, smtp, fake)
            held, delays = redeliveries(read_log(log), kills)
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(url)
            purge_queue(env)
    lost, duplicated = result["lost"], result["duplicated"]
    say(f"  work sent: {KILLS * NOTES * 2} deliveries, {KILLS * DOCS * 2} receipts, "
        f"{result['rows']} usage units in {KILLS} flushes")  # fmt: skip
    kinds = ("deliveries", "receipts", "usage units")
    say("  lost:       " + ", ".join(f"{lost[k]} {k}" for k in kinds))
    kinds = ("e-mails", "receipts", "usage units")
    say("  duplicated: " + ", ".join(f"{duplicated[k]} {k}" for k in kinds))
    say(f"  SMTP transactions: {result['smtp_transactions']}, of which "
        f"{result['smtp_repeats']} carried a Message-ID already received (sent again after an "
        f"interrupted attempt; dropped on arrival)")  # fmt: skip
    say(f"  meter events sent again and dropped by Stripe as repeats: {result['stripe_repeats']}")
    say(f"  document numbers taken by a killed build and never used: {result['skipped_numbers']}")
    finite = sorted(d for d in delays if d != float("inf"))
    never = len(delays) - len(finite)
    if finite:
        say(f"  tasks held by a killed worker: {held}; redelivered after p50 "
            f"{statistics.median(finite):.1f} s, p99 {finite[int(0.99 * (len(finite) - 1))]:.1f}"
            f" s, max {finite[-1]:.1f} s; never redelivered: {never}")  # fmt: skip
    else:
        say(f"  tasks held by a killed worker: {held}; none redelivered ({never})")
    slow = [d for d in delays if d > REDELIVERY_LIMIT]
    gaps = result["skipped_numbers"]
    clean = not sum(lost.values()) and not sum(duplicated.values()) and not slow and not gaps
    say(f"CHAOS {'CLEAN' if clean else 'FAILED'}: {sum(lost.values())} lost, "
        f"{sum(duplicated.values())} duplicated, {len(slow)} redelivered after more than "
        f"{REDELIVERY_LIMIT:.0f} s, {gaps} document numbers skipped")  # fmt: skip
    return 0 if clean else 1


def purge_queue(env: dict[str, str]) -> None:
    """The run's own queue is left empty and deleted on the broker."""
    from config.celery import app

    name = env["CELERY_TASK_DEFAULT_QUEUE"]
    try:
        with app.connection_for_write() as conn:
            channel = conn.default_channel
            channel.queue_purge(name)
            channel.queue_delete(name)
    except Exception as exc:
        say(f"  (could not delete the queue {name}: {exc})")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        say(f"chaos run failed: {exc}")
        sys.exit(2)
