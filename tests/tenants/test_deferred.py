"""Long waits live in the database, not in the broker (issue 25 point 6): a task sent with a
countdown or ETA beyond DEFER_BEYOND_SECONDS becomes a DeferredTask row, which the periodic
release sends when due, in its own schema, with its id and retry count; a worker killed in the
meantime holds nothing."""

import datetime as dt
import logging

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from tenant_schemas_celery.task import TenantTask

from cabinet.accounts.models import ClientProfile
from cabinet.notifications.models import NotificationSettings
from cabinet.notifications.services import notify
from tenants.deferred import deferred_release
from tenants.models import DeferredTask
from tenants.tasks_base import DEFER_BEYOND_SECONDS, SCHEMA_HEADER
from tests.factories import UserFactory
from tests.support.tasks import platform_probe, record_marker

UTC = dt.UTC


@pytest.fixture
def no_deferred_rows_but_its_own(db):
    """Each test counts the rows it makes. Rows another test committed (its cabinet's digest,
    left in public) are not its own: gone for this test, back after its rollback."""
    DeferredTask.objects.all().delete()


@pytest.fixture
def published(monkeypatch, no_deferred_rows_but_its_own):
    """What reaches the broker: (task name, args, options)."""
    sent: list[tuple[str, list, dict]] = []

    def publish(self, args=None, kwargs=None, task_id=None, **options):
        sent.append((self.name, list(args or ()), {"task_id": task_id, **options}))

    monkeypatch.setattr(TenantTask, "apply_async", publish)
    return sent


def test_a_long_countdown_is_kept_in_the_database_not_sent(hotel, published):
    at = dt.datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    with tenant_context(hotel), time_machine.travel(at, tick=False):
        result = record_marker.apply_async(args=["later"], countdown=3600)
    assert published == []
    row = DeferredTask.objects.get()
    assert row.task_name == "tests.record_marker"
    assert row.args == ["later"]
    assert row.due_at == at + dt.timedelta(hours=1)
    assert row.options["headers"][SCHEMA_HEADER] == hotel.schema_name
    assert row.options["task_id"] == result.id


def test_a_short_countdown_stays_with_the_broker(hotel, published):
    with tenant_context(hotel):
        record_marker.apply_async(args=["soon"], countdown=DEFER_BEYOND_SECONDS)
        record_marker.apply_async(args=["now"])
    assert [(args, options.get("countdown")) for _name, args, options in published] == [
        (["soon"], DEFER_BEYOND_SECONDS), (["now"], None)
    ]  # fmt: skip
    assert not DeferredTask.objects.exists()


def test_an_eta_far_away_is_kept_too(hotel, published):
    eta = timezone.now() + dt.timedelta(days=2)
    with tenant_context(hotel):
        record_marker.apply_async(args=["eta"], eta=eta)
    assert published == []
    assert DeferredTask.objects.get().due_at == eta


def test_the_release_sends_what_is_due_in_its_schema_with_its_id_and_retries(
    hotel, shop, published
):
    at = dt.datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        with tenant_context(hotel):
            first = record_marker.apply_async(args=["h"], countdown=120, retries=3)
        with tenant_context(shop):
            record_marker.apply_async(args=["s"], countdown=7200)
        platform_probe.apply_async(countdown=300)

    with time_machine.travel(at + dt.timedelta(seconds=119), tick=False):
        assert deferred_release() == 0  # nothing due yet
    with time_machine.travel(at + dt.timedelta(seconds=301), tick=False):
        assert deferred_release() == 2
    released = {name + ":" + ",".join(args): options for name, args, options in published}
    assert set(released) == {"tests.record_marker:h", "tests.platform_probe:"}
    mine = released["tests.record_marker:h"]
    assert mine["headers"][SCHEMA_HEADER] == hotel.schema_name
    assert (mine["task_id"], mine["retries"]) == (first.id, 3)
    assert "countdown" not in mine  # due: straight to the queue
    assert "eta" not in mine
    assert released["tests.platform_probe:"]["headers"][SCHEMA_HEADER] == "public"
    assert list(DeferredTask.objects.values_list("args", flat=True)) == [["s"]]  # shop's waits


def test_a_release_that_cannot_reach_the_broker_keeps_the_rows(
    hotel, monkeypatch, no_deferred_rows_but_its_own
):
    with tenant_context(hotel):
        DeferredTask.objects.create(
            due_at=timezone.now(), task_name="tests.record_marker", args=["x"],
            options={"headers": {SCHEMA_HEADER: hotel.schema_name}},
        )  # fmt: skip

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(TenantTask, "apply_async", down)
    with pytest.raises(ConnectionError):
        deferred_release()
    assert DeferredTask.objects.count() == 1  # sent by the next release


def test_a_task_no_longer_known_is_dropped_and_logged(db, published, caplog):
    DeferredTask.objects.create(due_at=timezone.now(), task_name="gone.task")
    with caplog.at_level(logging.ERROR, logger="tenants.deferred"):
        assert deferred_release() == 1
    assert "gone.task" in caplog.text
    assert not DeferredTask.objects.exists()
    assert published == []


def test_a_quiet_hours_delivery_waits_in_the_database_until_the_morning(
    hotel, published, django_capture_on_commit_callbacks
):
    from cabinet.tasks import deliver_notification

    with tenant_context(hotel):
        guest = UserFactory(email="quiet@guest.example.com")
        ClientProfile.objects.create(user=guest)
        NotificationSettings.objects.create(
            user=guest, channels={"order_status": ["in_app", "email"]},
            quiet_from=dt.time(22, 0), quiet_until=dt.time(7, 0),
        )  # fmt: skip
    late = dt.datetime(2030, 1, 10, 23, 30, tzinfo=UTC)
    with (
        time_machine.travel(late, tick=False),
        tenant_context(hotel),
        django_capture_on_commit_callbacks(execute=True),
    ):
        note = notify(recipient=guest, event="order_status", title="Late", key="quiet-db")
    with tenant_context(hotel):
        delivery = note.deliveries.get(channel="email")
    assert published == []
    row = DeferredTask.objects.get()
    assert (row.task_name, row.args) == (deliver_notification.name, [delivery.pk])
    assert row.due_at == dt.datetime(2030, 1, 11, 7, 0, tzinfo=UTC)

    with time_machine.travel(row.due_at + dt.timedelta(seconds=3), tick=False):
        assert deferred_release() == 1
    (name, args, options) = published[0]
    assert (name, args) == (deliver_notification.name, [delivery.pk])
    assert options["headers"][SCHEMA_HEADER] == hotel.schema_name


def test_beat_releases_the_due_tasks_every_few_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["release-deferred-tasks"]
    assert entry["task"] == "tenants.release_deferred"
    assert entry["schedule"] <= 10
