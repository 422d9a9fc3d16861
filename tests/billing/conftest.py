import json
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.support.fake_stripe import FakeStripe, fake_stripe, sign

WEBHOOK_SECRET = "whsec_kabinet_tests"


@pytest.fixture
def stripe_fake(settings) -> Iterator[FakeStripe]:
    """A local fake Stripe the `stripe` library is pointed at, for the length of a test."""
    with fake_stripe() as fake:
        settings.STRIPE_API_KEY = "sk_test_kabinet"
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        yield fake


def deliver(client: Client, event: dict, *, secret: str = WEBHOOK_SECRET, **kwargs) -> object:
    """POST `event` to the webhook as Stripe would, signed with `secret`."""
    body = json.dumps(event).encode()
    return client.post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, secret, kwargs.pop("timestamp", None)),
        **kwargs,
    )
