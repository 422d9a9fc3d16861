"""Outgoing webhooks: the owner registers an address for events; each event is POSTed as JSON
signed with the address's secret and a timestamp, retried with back-off while the receiver
fails, logged, and replayable; addresses inside our network are refused; only the owner
manages them, and a cabinet's events never reach another cabinet's addresses."""

import hashlib
import hmac
import json
import socket
import uuid
from http.server import BaseHTTPRequestHandler

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.notifications.models import WebhookDelivery, WebhookEndpoint
from cabinet.notifications.outgoing import deliver, endpoint_add, retry_delay, signature
from cabinet.orders.services import order_set_status
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory
from tests.support.fake_server import FakeService, serving
from tests.support.getaddrinfo import ScriptedResolver


class Receiver(FakeService):
    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        self.answer_body = b""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.received.append((dict(self.headers), body))
                self.send_response(fake.answers.pop(0) if fake.answers else 204)
                self.end_headers()
                self.wfile.write(fake.answer_body)

        return Handler


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with serving(Receiver()) as fake:
        yield fake


def owner(tenant) -> User:
    return User.objects.get(email=f"owner@{tenant.slug}.example.com")


def place_order(tenant):
    client = ClientProfile.objects.create(user=UserFactory())
    item = CatalogItem.objects.get(name="Bottle of champagne")
    return order_place(
        client=client, wanted={item.pk: 2}, payment="on_site", submission_key=uuid.uuid4().hex
    )


def test_an_order_reaches_the_address_signed(
    hotel, receiver, django_capture_on_commit_callbacks, eager_tasks
):
    with tenant_context(hotel):
        endpoint = endpoint_add(
            url=receiver.url + "/hooks", events=["order.created"], by=owner(hotel)
        )
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(hotel)

    ((headers, body),) = receiver.received
    payload = json.loads(body)
    assert headers["Kabinet-Event"] == "order.created"
    assert payload["data"]["order"] == order.pk
    assert payload["data"]["items"] == [
        {"name": "Bottle of champagne", "quantity": 2, "unit_price": "45.00"}
    ]
    timestamp = int(headers["Kabinet-Signature"].split(",")[0][2:])
    expected = hmac.new(
        endpoint.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["Kabinet-Signature"] == f"t={timestamp},v1={expected}"
    assert headers["Kabinet-Delivery"] == payload["id"]
    with tenant_context(hotel):
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "delivered",
            1,
            204,
        )


def test_a_failing_receiver_is_retried_with_back_off_and_can_be_replayed(hotel, receiver):
    receiver.answers = [500, 502]
    with tenant_context(hotel):
        endpoint_add(url=receiver.url, events=["order.status_changed"], by=owner(hotel))
        order = place_order(hotel)
        order_set_status(order=order, to="accepted", by=owner(hotel))
        delivery = WebhookDelivery.objects.get(event="order.status_changed")

        first, second, third = deliver(delivery.pk), deliver(delivery.pk), deliver(delivery.pk)

        assert (first, second, third) == ("pending", "pending", "delivered")
        assert [retry_delay(n) for n in (1, 2, 3)] == [30, 60, 120]
        ids = {h["Kabinet-Delivery"] for h, _b in receiver.received}
        assert len(ids) == 1  # the same delivery id on every try
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status_code) == (3, 204)
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(owner(hotel))
    page = desk.get("/staff/webhooks/")
    assert "order.status_changed" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    replayed = desk.post(f"/staff/webhooks/deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 302
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="webhook.replayed").exists()


def test_a_receiver_that_never_answers_gives_up_after_eight_tries(hotel, receiver, settings):
    with tenant_context(hotel):
        endpoint = endpoint_add(url=receiver.url, events=["order.created"], by=owner(hotel))
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/nothing")
        place_order(hotel)
        delivery = WebhookDelivery.objects.get()
        statuses = [deliver(delivery.pk) for _ in range(8)]
        delivery.refresh_from_db()

    assert statuses[-1] == "failed"
    assert statuses[:-1] == ["pending"] * 7
    assert delivery.last_error


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8000/x", "starting with https://"),
        ("https://127.0.0.1/x", "not on the public internet"),
        ("https://10.0.0.5/x", "not on the public internet"),
        ("ftp://example.com/", "starting with https://"),
        ("javascript:alert(1)", "starting with https://"),
    ],
)
def test_addresses_inside_our_network_are_refused(hotel, settings, url, message):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(owner(hotel))

    response = desk.post("/staff/webhooks/", {"url": url, "events": ["order.created"]})

    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(hotel):
        assert not WebhookEndpoint.objects.exists()


def test_only_the_owner_manages_webhooks(hotel):
    with tenant_context(hotel):
        admin = UserFactory(is_staff=True)
        role_set(user=admin, role=StaffProfile.Role.ADMIN)
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(admin)

    assert desk.get("/staff/webhooks/").status_code == 403
    assert (
        desk.post(
            "/staff/webhooks/", {"url": "https://example.com/", "events": ["order.created"]}
        ).status_code
        == 403
    )


def test_one_cabinets_events_never_reach_anothers_addresses(hotel, shop, receiver):
    with tenant_context(shop):
        endpoint_add(url=receiver.url, events=["order.created"], by=owner(shop))
    with tenant_context(hotel):
        place_order(hotel)
        assert not WebhookDelivery.objects.exists()
    with tenant_context(shop):
        assert not WebhookDelivery.objects.exists()


def test_the_signature_helper_is_the_documented_one():
    assert (
        signature("s3cret", b"{}", 1700000000)
        == "t=1700000000,v1=" + hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
    )


def test_a_name_that_rebinds_inside_after_registration_is_never_posted_to(
    hotel, settings, receiver, monkeypatch
):
    # given an address registered while its name pointed at the public internet
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    dns = ScriptedResolver()
    port = receiver.server.server_address[1]
    dns.answers["hooks.rebind.example"] = ["93.184.216.34", "127.0.0.1"]
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    with tenant_context(hotel):
        endpoint_add(url=f"https://hooks.rebind.example:{port}/in", events=["order.created"],
                     by=owner(hotel))  # fmt: skip
        place_order(hotel)
        delivery = WebhookDelivery.objects.get()

        # when the name now answers our own machine and the delivery runs
        status = deliver(delivery.pk)

        # then the guard refused it on the connection: nothing reached the local service
        delivery.refresh_from_db()
    assert status == "pending"
    assert "127.0.0.1" in delivery.last_error
    assert receiver.received == []
    assert dns.lookups == ["hooks.rebind.example"] * 2


def test_a_big_answer_still_counts_by_its_status(hotel, receiver, monkeypatch):
    monkeypatch.setattr("cabinet.notifications.outgoing.MAX_ANSWER_BYTES", 1024)
    receiver.answers, receiver.answer_body = [200], b"<html>" + b"x" * 4096
    with tenant_context(hotel):
        endpoint_add(url=receiver.url, events=["order.created"], by=owner(hotel))
        place_order(hotel)
        assert deliver(WebhookDelivery.objects.get().pk) == "delivered"
