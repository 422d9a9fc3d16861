"""Issue 7's notification walk-through in Chromium on a phone: a guest chooses email, Telegram and
SMS for bookings, books an excursion and gets one confirmation on each; the evening before, one
reminder on each; then a chat answer from staff by email. The delivery log on the client card
shows every attempt. Telegram and Twilio are local fakes; email is Django's test outbox."""

import datetime as dt
import re

import pytest
from celery import current_app
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_reminders_send
from cabinet.notifications.models import Delivery
from rbac import sms
from rbac.models import User
from rbac.services import client_create
from tests.conftest import OWNER_PASSWORD, host_of
from tests.e2e.conftest import screenshot
from tests.support.fake_telegram import fake_telegram
from tests.support.fake_twilio import fake_twilio

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "nora@guest.example.com", "sea air every morning"


@pytest.fixture
def channels(settings):
    """Telegram's Bot API and Twilio's API as local fakes; tasks run as they are sent."""
    with fake_telegram() as telegram, fake_twilio() as twilio:
        settings.TELEGRAM_API_BASE, settings.TELEGRAM_BOT_TOKEN = telegram.url, "123:TEST"
        settings.TELEGRAM_ALLOW_PRIVATE = True  # the fake listens on loopback
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "3" * 32, "token"
        settings.TWILIO_FROM, settings.TWILIO_API_BASE = "+15005550006", twilio.url
        sms.provider.cache_clear()
        previous = current_app.conf.task_always_eager
        current_app.conf.task_always_eager = True
        yield telegram, twilio
        current_app.conf.task_always_eager = previous
        sms.provider.cache_clear()


@pytest.fixture
def guest_and_event(module_tenant, django_db_blocker):
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=11, minute=0, second=0)
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        guest = client_create(email=EMAIL, password=PASSWORD, full_name="Nora North",
                              email_verified=True)  # fmt: skip
        User.objects.filter(pk=guest.pk).update(phone="+79161112233", phone_verified=True)
        ClientProfile.objects.create(user=guest)
        event = Event.objects.create(
            kind="excursion", title="Lighthouse walk", location="Harbour gate",
            starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=12,
        )  # fmt: skip
    return guest, event


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email or phone").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_confirmation_reminder_and_answer_on_the_chosen_channels(
    module_tenant, guest_and_event, channels, live_port, phone, browser, django_db_blocker
):
    telegram, twilio = channels
    guest, event = guest_and_event
    base = f"http://{host_of(module_tenant)}:{live_port}"
    mail.outbox.clear()
    sign_in(phone, base, EMAIL, PASSWORD)
    # the guest chooses email, Telegram and SMS for bookings, email for answers
    phone.goto(base + "/account/notifications/")
    for name in ("booking:email", "booking:telegram", "booking:sms", "chat_answer:email"):
        phone.locator(f'input[name="{name}"]').check()
    phone.locator('input[name="telegram_chat_id"]').fill("5151")
    screenshot(phone, "notify-1-choose-channels")
    phone.get_by_role("button", name=re.compile("Save")).click()
    # the chat counts once the code the bot sent there is typed back
    (sent,) = [m for m in telegram.messages if m["chat_id"] == "5151"]
    phone.get_by_label("Code").fill(re.search(r"\b(\d{6})\b", sent["text"]).group(1))
    phone.get_by_role("button", name="Link", exact=True).click()
    assert "Telegram is linked" in phone.locator(".flash").first.inner_text()
    # books the excursion: one confirmation on each channel
    phone.goto(base + "/events/")
    phone.locator("article", has_text="Lighthouse walk").get_by_role("button", name="Book").click()
    assert "Booked: Lighthouse walk" in phone.locator(".flash").first.inner_text()
    screenshot(phone, "notify-2-booked")
    booked = [m for m in mail.outbox if "Booked: Lighthouse walk" in m.subject]
    assert len(booked) == 1
    assert [m["text"] for m in telegram.messages if "Lighthouse" in m["text"]] != []
    assert len([s for s in twilio.sms if "Lighthouse" in s["Body"]]) == 1
    # the evening before (18 hours ahead by default): one reminder on each channel
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        evening = event.starts_at - dt.timedelta(hours=17)
        assert booking_reminders_send(now=evening) == 1
        assert booking_reminders_send(now=evening) == 0  # not twice
    assert len([m for m in mail.outbox if "Reminder: Lighthouse walk" in m.subject]) == 1
    assert len([m for m in telegram.messages if "Reminder" in m["text"]]) == 1
    assert len([s for s in twilio.sms if "Reminder" in s["Body"]]) == 1
    # a question, and the owner's answer: by email
    phone.goto(base + "/messages/")
    phone.get_by_label("Your message").fill("Do we need walking shoes?")
    phone.get_by_role("button", name="Send").click()
    desk_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = desk_ctx.new_page()
    sign_in(desk, base, module_tenant.owner_email, OWNER_PASSWORD)
    desk.goto(base + "/staff/messages/")
    desk.get_by_role("link", name="Nora North").click()
    desk.get_by_label("Your answer").fill("Yes, the path is rocky.")
    desk.get_by_role("button", name="Send", exact=True).click()
    answered = [m for m in mail.outbox if "answered you" in m.subject]
    assert len(answered) == 1
    assert "Yes, the path is rocky." in answered[0].body
    # the delivery log on the client card shows each attempt
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        sent = Delivery.objects.filter(notification__user=guest, status="sent")
        assert sent.count() == 7  # 3 confirmations, 3 reminders, 1 answer
        client_pk = guest.client_profile.pk
    desk.goto(base + f"/staff/clients/{client_pk}/")
    log = desk.locator("ul.plain", has_text="answered you").inner_text()
    assert log.count("Sent") >= 7
    shot = screenshot(phone, "notify-3-phone-end").parent / "notify-4-delivery-log.png"
    desk.screenshot(path=str(shot), full_page=True)
    desk_ctx.close()
