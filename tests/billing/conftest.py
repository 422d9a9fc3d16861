import json
from collections.abc import Iterator

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import User
from tests.control.test_control_panel import make_admin
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


@pytest.fixture
def owner_client(hotel, hotel_client) -> Client:
    """The hotel's owner, signed in on the hotel's host."""
    with tenant_context(hotel):
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))
    return hotel_client


@pytest.fixture
def admin_client(platform_client) -> Client:
    """A platform admin, signed in to the control panel."""
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    return platform_client
