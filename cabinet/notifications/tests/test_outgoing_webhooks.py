"""Outgoing webhooks: the owner registers an address for events; each event is POSTed as JSON
signed with the address's secret and a timestamp, retried with back-off while the receiver
fails, logged, and replayable; addresses inside our network are refused; only the owner
manages them, and a cabinet's events never reach another cabinet's addresses."""

import datetime as dt
import hashlib
import hmac
import json
import socket
import uuid
from http.server import BaseHTTPRequestHandler

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.notifications import outgoing
from cabinet.notifications.models import WebhookDelivery, WebhookEndpoint
from cabinet.notifications.outgoing import LeaseHeld, deliver, endpoint_add, retry_delay, signature
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


def test_a_task_redelivered_while_an_attempt_is_sending_waits_for_its_lease(hotel, receiver):
    # given a delivery another worker has claimed and is POSTing right now
    with tenant_context(hotel):
        endpoint_add(url=receiver.url, events=["order.created"], by=owner(hotel))
        place_order(hotel)
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="sending", attempts=1, lease_until=timezone.now() + dt.timedelta(seconds=20)
        )

        # when the broker hands the same task to a second worker
        with pytest.raises(LeaseHeld) as held:
            deliver(delivery.pk)

        # then nothing is POSTed beside the first attempt; the task comes back when the lease ends
        assert receiver.received == []
        assert 19 <= held.value.seconds <= 20
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("sending", 1)


def test_an_attempt_killed_mid_post_is_sent_again_under_the_same_idempotency_key(hotel, receiver):
    # given a delivery whose first attempt POSTed and died before recording the answer
    with tenant_context(hotel):
        endpoint_add(url=receiver.url, events=["order.created"], by=owner(hotel))
        place_order(hotel)
        delivery = WebhookDelivery.objects.get()
        assert deliver(delivery.pk) == "delivered"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="sending", lease_until=timezone.now() - dt.timedelta(seconds=1)
        )

        # when its lease has ended and the redelivered task runs
        status = deliver(delivery.pk)

        # then it is POSTed again with the same keys, so the receiver can drop the repeat
        assert status == "delivered"
        first, again = receiver.received
        assert first[0]["Idempotency-Key"] == again[0]["Idempotency-Key"] == str(delivery.event_id)
        assert first[0]["Kabinet-Delivery"] == again[0]["Kabinet-Delivery"]
        assert json.loads(first[1])["id"] == json.loads(again[1])["id"]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.lease_until) == ("delivered", 2, None)


def test_a_delivered_or_failed_delivery_is_never_posted_again_by_a_stray_task(hotel, receiver):
    # given a delivery that was delivered
    with tenant_context(hotel):
        endpoint_add(url=receiver.url, events=["order.created"], by=owner(hotel))
        place_order(hotel)
        delivery = WebhookDelivery.objects.get()
        deliver(delivery.pk)

        # when a duplicate of its task runs
        again = deliver(delivery.pk)

        # then nothing more is sent
        assert again == "delivered"
        assert len(receiver.received) == 1


def test_an_attempt_whose_claim_was_taken_over_does_not_overwrite_the_newer_one(
    hotel, receiver, monkeypatch
):
    # given an attempt that stalls until its lease ends, and a second attempt that claims and
    # delivers meanwhile
    with tenant_context(hotel):
        endpoint_add(url=receiver.url, events=["order.created"], by=owner(hotel))
        place_order(hotel)
        delivery = WebhookDelivery.objects.get()
        receiver.answers = [500]
        real_claim = outgoing._claim

        def claim_then_lose_it(pk):
            claimed = real_claim(pk)
            WebhookDelivery.objects.filter(pk=pk).update(
                status="delivered", attempts=F("attempts") + 1, lease_until=None
            )  # what the second attempt left
            return claimed

        monkeypatch.setattr(outgoing, "_claim", claim_then_lose_it)

        # when the stalled one hears its 500 at last
        deliver(delivery.pk)

        # then the newer outcome stands
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("delivered", 2)
