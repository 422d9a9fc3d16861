"""A real worker killed in the middle of a flush: Stripe had taken a meter event we never
recorded as sent. The next flush sends what is left, and Stripe counts every unit once."""

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from billing import usage
from billing.metering import usage_flush
from billing.models import MeterBatch
from billing.plans import meters_ensure
from billing.subscriptions import customer_ensure
from billing.tasks import flush_usage
from tests.support.fake_stripe import fake_stripe
from tests.support.worker import WorkerProcess, wait_for

pytestmark = pytest.mark.worker


def test_a_worker_killed_mid_flush_loses_nothing_and_counts_nothing_twice(
    committed_tenant, tmp_path
):
    with fake_stripe() as fake:
        stripe = {"STRIPE_API_KEY": "sk_test_kabinet", "STRIPE_API_BASE": fake.url}
        with override_settings(**stripe):
            customer = customer_ensure(committed_tenant)
            meters_ensure()
            with tenant_context(committed_tenant):
                for i in range(5):
                    usage.record("orders", idempotency_key=f"order:{i}")
                for i in range(3):
                    usage.record("bookings", idempotency_key=f"booking:{i}")
            fake.meter_event_stall = 60  # Stripe counts the event, then the answer hangs
            worker = WorkerProcess(
                tmp_path / "worker.log", **stripe, STRIPE_TIMEOUT_SECONDS="120"
            ).start()
            try:
                flush_usage.apply_async()
                wait_for(lambda: fake.meter_events, 30, "Stripe to take the first meter event")
                worker.kill()
            finally:
                worker.stop()
            batches = MeterBatch.objects.filter(tenant=committed_tenant)
            assert batches.count() == 2  # frozen and committed before the first send …
            assert not batches.filter(sent_at__isnull=False)  # … and none recorded as sent
            assert len(fake.meter_events) == 1

            fake.meter_event_stall = 0
            report = usage_flush()

        assert (report.frozen_rows, report.batches_sent, report.units_sent) == (0, 2, 8)
        totals = {}
        for event in fake.meter_events.values():
            assert event["payload"]["stripe_customer_id"] == customer
            totals[event["event_name"]] = int(event["payload"]["value"])
        assert totals == {"kabinet_orders": 5, "kabinet_bookings": 3}
        sent = [r["params"]["identifier"] for r in fake.requests if "meter_events" in r["path"]]
        assert len(sent) == 3  # the first batch went twice, with the same identifier
        assert len(set(sent)) == 2
