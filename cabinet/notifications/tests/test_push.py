"""Web push: a browser's subscription is stored, notify() reaches it through the (fake) push
service encrypted for that browser alone and signed with our VAPID key; gone devices are
forgotten; hostile subscriptions are refused."""

import base64
import json
import os
import socket

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.notifications.models import Delivery, NotificationSettings, PushSubscription
from cabinet.notifications.push import PushFailed, push_send
from cabinet.notifications.services import DeliveryFailed, delivery_run, notify
from tests.factories import UserFactory
from tests.support.fake_push import fake_push_service
from tests.support.getaddrinfo import ScriptedResolver


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Browser:
    """What a browser holds for one subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.json = {"endpoint": endpoint, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def read(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth,
                                 version="aes128gcm")  # fmt: skip
        return json.loads(plain)


@pytest.fixture
def push(settings, tmp_path):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True
    with fake_push_service() as fake:
        yield fake


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        user = UserFactory(email="pia@guest.example.com")
        ClientProfile.objects.create(user=user)
        NotificationSettings.objects.create(user=user, channels={"order_status": ["push"]})
    client = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        client.force_login(user)
    return user, client


def subscribe(client: Client, data: object) -> object:
    return client.post("/account/push/", json.dumps(data), content_type="application/json")


def test_a_subscribed_phone_gets_the_notification_encrypted_for_it(hotel, guest, push):
    user, client = guest
    phone = Browser(push.endpoint("phone"))
    assert subscribe(client, phone.json).status_code == 201
    with tenant_context(hotel):
        note = notify(recipient=user, event="order_status", title="Order #7: Accepted",
                      url="/orders/7/", key="push1")  # fmt: skip
        delivery = Delivery.objects.get(notification=note, channel="push")
        assert delivery_run(delivery_id=delivery.pk) == "sent"
        delivery.refresh_from_db()
    (sent,) = push.pushes
    assert sent["path"] == "/push/phone"
    assert sent["headers"]["content-encoding"] == "aes128gcm"
    assert sent["headers"]["authorization"].startswith("vapid t=")
    # the message's identity: a copy sent again replaces this one at the push service (Topic)
    # and on the screen (the notification's tag)
    key = delivery.message_key
    assert len(key) == 32
    assert sent["headers"]["topic"] == key
    assert phone.read(sent["body"]) == {"title": "Order #7: Accepted", "body": "",
                                        "url": "/orders/7/", "tag": key}  # fmt: skip


def test_a_device_the_push_service_has_dropped_is_forgotten(hotel, guest, push):
    user, client = guest
    old, new = Browser(push.endpoint("old")), Browser(push.endpoint("new"))
    subscribe(client, old.json)
    subscribe(client, new.json)
    push.gone.add("old")
    with tenant_context(hotel):
        note = notify(recipient=user, event="order_status", title="Ready", key="push2")
        assert delivery_run(delivery_id=note.deliveries.get().pk) == "sent"
        assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
            push.endpoint("new")
        ]
    assert [p["path"] for p in push.pushes] == ["/push/new"]


def test_a_failing_push_service_is_retried_and_logged(hotel, guest, push):
    user, client = guest
    subscribe(client, Browser(push.endpoint("phone")).json)
    push.fail_next = 1
    with tenant_context(hotel):
        delivery = notify(
            recipient=user, event="order_status", title="x", key="p3"
        ).deliveries.get()
        with pytest.raises(DeliveryFailed):
            delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert "503" in delivery.last_error
        assert delivery_run(delivery_id=delivery.pk) == "sent"


def test_without_a_subscribed_device_push_is_not_attempted(hotel, guest):
    user, _client = guest
    with tenant_context(hotel):
        note = notify(recipient=user, event="order_status", title="x", key="p4")
        assert not note.deliveries.exists()  # in the cabinet only


@pytest.mark.parametrize(
    "data",
    [
        "not json at all",
        [],
        {"endpoint": "https://push.example.com/x"},
        {"endpoint": "https://push.example.com/x", "keys": {"p256dh": "abc", "auth": "abc"}},
        {"endpoint": "https://push.example.com/x", "keys": {"p256dh": "!" * 87, "auth": "a" * 22}},
        {"endpoint": "https://push.example.com/" + "x" * 600, "keys": {}},
        {"endpoint": "https://[::1/x", "keys": {}},
    ],
)
def test_malformed_subscriptions_are_refused_clearly(hotel, guest, push, data):
    _user, client = guest
    body = data if isinstance(data, str) else json.dumps(data)
    response = client.post("/account/push/", body, content_type="application/json")
    assert response.status_code == 400
    assert "invalid subscription" in response.json()["error"] or "https" in response.json()["error"]
    with tenant_context(hotel):
        assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.com/x",  # not https
        "https://127.0.0.1/x",
        "https://10.0.0.5/x",
        "https://[::1]/x",
        "https://localhost/x",
        "https://hotel.localhost/x",
        "https://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
        "https://push.example.com/x",  # public, but no browser's push service
        "https://fcm.googleapis.com.evil.example/x",
        "https://fcm.googleapis.com:8443/x",
    ],
)
def test_push_is_never_sent_to_our_own_or_private_addresses(hotel, guest, settings, endpoint):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    _user, client = guest
    browser = Browser(endpoint)
    response = subscribe(client, browser.json)
    assert response.status_code == 400
    assert "public https" in response.json()["error"]


def test_an_oversized_body_and_anonymous_callers_are_refused(hotel, guest):
    _user, client = guest
    huge = client.post("/account/push/", "x" * 10_000, content_type="application/json")
    assert huge.status_code == 413
    stranger = Client(HTTP_HOST="hotel.localhost")
    assert stranger.post("/account/push/", "{}", content_type="application/json").status_code == 302


def test_a_subscription_belongs_to_its_tenant(hotel, shop, guest, push):
    _user, client = guest
    subscribe(client, Browser(push.endpoint("phone")).json)
    with tenant_context(shop):
        assert not PushSubscription.objects.exists()


def test_the_settings_page_offers_push_with_our_key_and_turns_it_off(hotel, guest, push):
    user, client = guest
    subscribe(client, Browser(push.endpoint("phone")).json)
    page = client.get("/account/notifications/").content.decode()
    assert 'data-push-key="' in page
    assert "1 device" in page
    client.post("/account/push/off/")
    with tenant_context(hotel):
        assert not PushSubscription.objects.filter(user=user).exists()


def test_the_browsers_push_services_are_accepted(hotel, guest, settings):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    _user, client = guest
    for endpoint in ("https://fcm.googleapis.com/fcm/send/abc",
                     "https://updates.push.services.mozilla.com/wpush/v2/abc",
                     "https://web.push.apple.com/abc"):  # fmt: skip
        assert subscribe(client, Browser(endpoint).json).status_code == 201


def test_a_push_service_name_that_points_inside_is_refused_on_the_connection(
    hotel, guest, settings, monkeypatch
):
    # given a subscription at a real push service's name, which now answers our own network
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    user, client = guest
    assert (
        subscribe(client, Browser("https://fcm.googleapis.com/fcm/send/abc").json).status_code
        == 201
    )
    dns = ScriptedResolver()
    dns.answers["fcm.googleapis.com"] = ["10.0.0.8"]
    monkeypatch.setattr(socket, "getaddrinfo", dns)

    # when a notification is pushed, then the guard refuses the address: nothing is sent
    with tenant_context(hotel), pytest.raises(PushFailed, match="EgressRefused"):
        push_send(user=user, title="Order #7", body="", url="/orders/7/")
    assert dns.lookups == ["fcm.googleapis.com"]
