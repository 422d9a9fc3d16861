from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django_tenants.utils import tenant_context
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from config.sentry import init_sentry


class CapturingTransport(Transport):
    """Keeps events in memory instead of sending them anywhere."""

    events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            event = item.get_event()
            if event is not None:
                self.events.append(event)


@pytest.fixture
def sentry_events() -> Iterator[list[dict[str, Any]]]:
    CapturingTransport.events = []
    init_sentry(
        dsn="https://key@sentry.invalid/1", environment="test", transport=CapturingTransport
    )
    yield CapturingTransport.events
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


def test_an_event_is_tagged_with_the_tenant(hotel, sentry_events):
    with tenant_context(hotel):
        sentry_sdk.capture_message("something odd")
    sentry_sdk.flush()
    assert sentry_events[-1]["tags"]["tenant"] == hotel.schema_name


def test_a_crash_in_a_tenant_view_reaches_sentry_tagged_and_without_personal_data(
    hotel, hotel_client, sentry_events, monkeypatch
):
    def broken() -> None:
        raise RuntimeError("branding store is down")

    monkeypatch.setattr("cabinet.rendering.branding_get", broken)
    hotel_client.raise_request_exception = False
    email = "@".join(["guest", "hotel.example.com"])  # not spelled out in this frame's source
    response = hotel_client.get("/", {"email": email})
    sentry_sdk.flush()
    assert response.status_code == 500
    event = next(e for e in sentry_events if e.get("exception"))
    assert event["tags"]["tenant"] == hotel.schema_name
    assert email not in str(event)
