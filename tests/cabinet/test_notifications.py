import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.notifications.models import Delivery, Notification, NotificationSettings
from cabinet.notifications.services import delivery_run, notify
from cabinet.orders.services import order_set_status
from tests.factories import UserFactory
from tests.support.fake_telegram import fake_telegram


@pytest.fixture
def telegram(settings):
    with fake_telegram() as fake:
        settings.TELEGRAM_API_BASE = fake.url
        settings.TELEGRAM_ALLOW_PRIVATE = True  # the fake listens on loopback
        settings.TELEGRAM_BOT_TOKEN = "123:TEST"
        yield fake


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        user = UserFactory(email="nina@guest.example.com")
        ClientProfile.objects.create(user=user)
        NotificationSettings.objects.create(
            user=user, telegram_chat_id="4242",
            channels={"order_status": ["in_app", "email", "telegram"], "booking": ["in_app"]},
        )  # fmt: skip
        return user


def test_an_accepted_order_reaches_every_chosen_channel_once(
    hotel, guest, telegram, eager_tasks, django_capture_on_commit_callbacks
):
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        staff = UserFactory(is_staff=True)
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(
            client=guest.client_profile, wanted={item.pk: 1}, payment="on_site", submission_key="n"
        )
        order_set_status(order=order, to="accepted", by=staff)
    assert [m["text"] for m in telegram.messages] == [f"Hotel Test: Order #{order.pk}: Accepted"]
    assert telegram.messages[0]["chat_id"] == "4242"
    assert telegram.messages[0]["path"] == "/bot123:TEST/sendMessage"
    (email,) = [m for m in mail.outbox if "Accepted" in m.subject]
    assert email.to == ["nina@guest.example.com"]
    with tenant_context(hotel):
        assert Notification.objects.filter(user=guest).count() == 1  # in the cabinet too


def test_the_same_event_notifies_once(hotel, guest):
    with tenant_context(hotel):
        assert notify(recipient=guest, event="order_status", title="x", key="k1") is not None
        assert notify(recipient=guest, event="order_status", title="x", key="k1") is None


def test_telegram_goes_through_the_egress_guard(hotel, guest, telegram, settings):
    # given a Bot API address on our own network, not allowed in production
    from cabinet.notifications.services import DeliveryFailed

    settings.TELEGRAM_ALLOW_PRIVATE = False
    with tenant_context(hotel):
        notification = notify(recipient=guest, event="order_status", title="Ready", key="eg")
        delivery = Delivery.objects.get(notification=notification, channel="telegram")

        # when the delivery runs, then the guard refuses the address and nothing is sent
        with pytest.raises(DeliveryFailed, match="EgressRefused"):
            delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    assert telegram.messages == []
    assert (delivery.status, delivery.attempts) == ("pending", 1)


def test_a_redelivered_task_never_sends_twice(hotel, guest, telegram):
    with tenant_context(hotel):
        notification = notify(recipient=guest, event="order_status", title="Ready", key="k2")
        delivery = Delivery.objects.get(notification=notification, channel="telegram")
        assert delivery_run(delivery_id=delivery.pk) == "sent"
        assert delivery_run(delivery_id=delivery.pk) == "skipped"
    assert len(telegram.messages) == 1


def test_a_failing_channel_is_retried_and_every_attempt_is_logged(hotel, guest, telegram):
    from cabinet.notifications.services import DeliveryFailed

    telegram.fail_next = 1
    with tenant_context(hotel):
        notification = notify(recipient=guest, event="order_status", title="Ready", key="k3")
        delivery = Delivery.objects.get(notification=notification, channel="telegram")
        with pytest.raises(DeliveryFailed):
            delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "502" in delivery.last_error
        assert delivery_run(delivery_id=delivery.pk) == "sent"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_preferences_decide_the_channels_and_quiet_hours_delay(hotel, guest):
    with tenant_context(hotel):
        booking = notify(recipient=guest, event="booking", title="Booked", key="k4")
        assert not booking.deliveries.exists()  # in the cabinet only, as chosen
        NotificationSettings.objects.filter(user=guest).update(
            quiet_from=dt.time(22, 0), quiet_until=dt.time(7, 0)
        )
        late = dt.datetime(2030, 1, 10, 23, 30, tzinfo=dt.UTC)
        with time_machine.travel(late, tick=False):
            quiet = notify(recipient=guest, event="order_status", title="Late", key="k5")
        delivery = quiet.deliveries.get(channel="email")
        assert delivery.not_before == dt.datetime(2030, 1, 11, 7, 0, tzinfo=dt.UTC)


def test_the_settings_page_saves_choices_and_refuses_nonsense(hotel, guest):
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(guest)
    browser.post(
        "/account/notifications/",
        {
            "chat_answer:telegram": "on",
            "telegram_chat_id": "777",
            "quiet_from": "23:00",
            "quiet_until": "nonsense",
        },
    )
    with tenant_context(hotel):
        prefs = NotificationSettings.objects.get(user=guest)
        assert prefs.channels["chat_answer"] == ["telegram"]
        assert prefs.telegram_chat_id == "4242"  # a new chat counts once its code comes back
        assert prefs.quiet_until is None
    browser.post("/account/notifications/", {"telegram_chat_id": "<script>"})
    with tenant_context(hotel):
        assert NotificationSettings.objects.get(user=guest).telegram_chat_id == "4242"


def test_staff_see_each_attempt_on_the_client_card_and_others_see_nothing(
    hotel, shop, guest, telegram
):
    with tenant_context(hotel):
        notify(recipient=guest, event="order_status", title="Your order is ready", key="k6")
        owner_client = Client(HTTP_HOST="hotel.localhost")
        from rbac.models import User

        owner_client.force_login(User.objects.get(email="owner@hotel.example.com"))
        card = owner_client.get(f"/staff/clients/{guest.client_profile.pk}/").content.decode()
    assert "Your order is ready" in card
    with tenant_context(shop):
        assert not Notification.objects.filter(title="Your order is ready").exists()


def test_a_booking_is_confirmed_and_reminded_the_evening_before_once_on_each_channel(
    hotel, guest, telegram, eager_tasks, django_capture_on_commit_callbacks
):
    from cabinet.bookings.models import Event
    from cabinet.bookings.services import booking_create, booking_reminders_send

    start = (timezone.now() + dt.timedelta(days=3)).replace(hour=11, minute=0, second=0)
    with tenant_context(hotel):
        NotificationSettings.objects.filter(user=guest).update(
            channels={"booking": ["in_app", "email", "telegram"]}
        )
        trip = Event.objects.create(title="Boat trip", starts_at=start,
                                    ends_at=start + dt.timedelta(hours=3))  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            booking_create(event=trip, client=guest.client_profile)
            assert booking_reminders_send() == 0  # days ahead: not yet
    assert len(telegram.messages) == 1  # the confirmation
    evening_before = start - dt.timedelta(hours=17)
    with time_machine.travel(evening_before), tenant_context(hotel):
        with django_capture_on_commit_callbacks(execute=True):
            assert booking_reminders_send() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert booking_reminders_send() == 0  # the next quarter hour: nothing new
    reminders = [m["text"] for m in telegram.messages if "Reminder" in m["text"]]
    local = timezone.localtime(start)
    when = date_format(local, "DAY_TIME_FORMAT")  # "10 Dec, 11:00"
    assert reminders == [f"Hotel Test: Reminder: Boat trip at {local:%H:%M}\n{when}"]
    assert len([m for m in mail.outbox if "Reminder: Boat trip" in m.subject]) == 1
    with tenant_context(hotel):
        assert Notification.objects.filter(user=guest, title__startswith="Reminder").count() == 1


def test_no_reminder_when_booked_inside_the_window_cancelled_or_switched_off(hotel, guest, shop):
    from cabinet.bookings.models import Event
    from cabinet.bookings.services import booking_cancel, booking_create, booking_reminders_send
    from rbac.policy import policy_get

    with tenant_context(hotel):
        soon = timezone.now() + dt.timedelta(hours=5)
        tonight = Event.objects.create(title="Jazz", starts_at=soon,
                                       ends_at=soon + dt.timedelta(hours=2))  # fmt: skip
        booking_create(event=tonight, client=guest.client_profile)  # the confirmation suffices
        later = timezone.now() + dt.timedelta(days=2)
        trip = Event.objects.create(title="Trip", starts_at=later,
                                    ends_at=later + dt.timedelta(hours=2))  # fmt: skip
        booking_cancel(booking=booking_create(event=trip, client=guest.client_profile))
        other = ClientProfile.objects.create(user=UserFactory())
        booking_create(event=trip, client=other)
    with time_machine.travel(later - dt.timedelta(hours=10)):
        with tenant_context(shop):
            assert booking_reminders_send() == 0  # another cabinet reminds only its own
        with tenant_context(hotel):
            policy = policy_get()
            policy.booking_reminder_hours = 0
            policy.save()
            assert booking_reminders_send() == 0
            policy.booking_reminder_hours = 18
            policy.save()
            assert booking_reminders_send() == 1  # the other client's booking only
            assert not Notification.objects.filter(user=guest, title__startswith="Reminder")


def test_a_russian_guest_is_reminded_in_russian(hotel, guest):
    from cabinet.bookings.models import Event
    from cabinet.bookings.services import booking_create, booking_reminders_send

    start = timezone.now() + dt.timedelta(days=2)
    with tenant_context(hotel):
        guest.language = "ru"
        guest.save()
        trip = Event.objects.create(title="Катер", starts_at=start,
                                    ends_at=start + dt.timedelta(hours=2))  # fmt: skip
        booking_create(event=trip, client=guest.client_profile)
    with time_machine.travel(start - dt.timedelta(hours=12)), tenant_context(hotel):
        assert booking_reminders_send() == 1
        (reminder,) = Notification.objects.filter(user=guest, dedupe_key__endswith=":reminder")
        assert reminder.title.startswith("Напоминание: Катер в ")


def test_reminders_are_fanned_out_to_serving_tenants_each_at_its_own_offset(
    hotel, shop, monkeypatch
):
    from cabinet import tasks

    sent = []
    monkeypatch.setattr(tasks.send_reminders, "apply_async", lambda **options: sent.append(options))
    assert tasks.send_reminders_everywhere() >= 2
    schemas = {options["headers"]["_schema_name"] for options in sent}
    assert {hotel.schema_name, shop.schema_name} <= schemas
    assert all(0 <= options["countdown"] < 600 for options in sent)


@pytest.fixture
def queued(monkeypatch):
    """What notify() hands the broker: (task name, args, countdown)."""
    from cabinet import tasks

    sent: list[tuple[str, tuple, int | None]] = []
    for task in (tasks.deliver_notification, tasks.deliver_digest):
        monkeypatch.setattr(
            task, "apply_async",
            lambda args, kwargs, name=task.name, **o: sent.append((name, args, o.get("countdown"))),
        )  # fmt: skip
    return sent


def test_a_burst_becomes_three_messages_and_one_digest_per_channel(
    hotel, guest, telegram, queued, django_capture_on_commit_callbacks
):
    from cabinet.notifications.services import BURST_WINDOW, digest_run

    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 7):
            notify(recipient=guest, event="order_status", title=f"Order #{n}: Accepted",
                   key=f"burst:{n}")  # fmt: skip
    singles = [q for q in queued if q[0] == "cabinet.deliver_notification"]
    digests = [q for q in queued if q[0] == "cabinet.deliver_digest"]
    assert len(singles) == 6  # the first three, on email and on Telegram
    assert sorted(d[1][1] for d in digests) == ["email", "telegram"]  # one digest per channel
    assert {d[2] for d in digests} == {int(BURST_WINDOW.total_seconds())}  # when the burst ends
    with tenant_context(hotel):
        assert Notification.objects.filter(user=guest).count() == 6  # all of them in the cabinet
        assert Delivery.objects.filter(status="held").count() == 6
        assert digest_run(user_id=guest.pk, channel="telegram") == "sent"
        assert digest_run(user_id=guest.pk, channel="telegram") == "skipped"  # redelivered
        assert digest_run(user_id=guest.pk, channel="email") == "sent"
        assert not Delivery.objects.filter(status="held").exists()
    (text,) = [m["text"] for m in telegram.messages]
    assert text == (
        "Hotel Test: 3 updates\n• Order #4: Accepted\n• Order #5: Accepted\n• Order #6: Accepted"
    )
    (email,) = [m for m in mail.outbox if m.subject == "[Hotel Test] 3 updates"]
    assert "Open in your cabinet: http://hotel.localhost/notifications/" in email.body


def test_a_failing_digest_is_logged_retried_and_given_up_without_blocking_the_next(
    hotel, guest, telegram, queued, django_capture_on_commit_callbacks
):
    from cabinet.notifications.services import DeliveryFailed, digest_give_up, digest_run

    telegram.fail_next = 1
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        NotificationSettings.objects.filter(user=guest).update(
            channels={"order_status": ["in_app", "telegram"]}
        )
        for n in range(5):
            notify(recipient=guest, event="order_status", title=f"#{n}", key=f"fail:{n}")
        with pytest.raises(DeliveryFailed):
            digest_run(user_id=guest.pk, channel="telegram")
        held = Delivery.objects.filter(status="held")
        assert [(d.attempts, "502" in d.last_error) for d in held] == [(1, True), (1, True)]
        digest_give_up(user_id=guest.pk, channel="telegram")
        assert Delivery.objects.filter(status="failed").count() == 2
    queued.clear()
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        notify(recipient=guest, event="order_status", title="#5", key="fail:5")
    assert [q[0] for q in queued] == ["cabinet.deliver_digest"]  # a new burst, a new digest


def test_an_email_is_branded_and_in_the_recipients_language(hotel):
    """The frame of the email (greeting, button, footer) is in the person's language, with the
    cabinet's name and colour; the HTML part carries the branding."""
    from cabinet.branding.services import branding_update
    from cabinet.notifications.services import _send_email

    with tenant_context(hotel):
        branding_update(primary_colour="#123456")
        guest = UserFactory(full_name="Ольга Петрова", language="ru")
        _send_email(guest, "Заказ №1: Принят", "Шампанское", "/orders/1/")
    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert "Здравствуйте" in email.body
    assert "Открыть в кабинете" in email.body
    assert "http://hotel.localhost/orders/1/" in email.body
    assert "#123456" in html
    assert "Hotel Test" in html


def test_staff_working_in_english_notify_a_russian_client_in_russian(hotel):
    from rbac.models import User

    with tenant_context(hotel):
        guest = ClientProfile.objects.create(user=UserFactory(language="ru"))
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(client=guest, wanted={item.pk: 1}, payment="on_site",
                            submission_key="lang")  # fmt: skip
        owner = User.objects.get(email="owner@hotel.example.com")
        owner.language = "en"
        owner.save(update_fields=["language"])
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(owner)
    desk.post(f"/staff/orders/{order.pk}/move/", {"to": "accepted"})
    with tenant_context(hotel):
        note = Notification.objects.filter(user=guest.user).latest("pk")
    assert note.title.startswith("Заказ")
