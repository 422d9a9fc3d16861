# ruff: noqa: F811  (the fixtures guest and telegram come from test_notifications, by name)
"""A Telegram chat id counts only once a code sent to it comes back: until then the chat linked
before (if any) keeps getting the notifications and the new one gets nothing but the code."""

import re

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.notifications.models import NotificationSettings
from cabinet.notifications.services import TELEGRAM_CODE_TRIES, notify
from tests.cabinet.test_notifications import guest, telegram  # noqa: F401 (fixtures)
from tests.factories import UserFactory


@pytest.fixture
def browser(hotel, guest):
    client = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        client.force_login(guest)
    return client


@pytest.fixture
def ask_code(browser, telegram, eager_tasks, django_capture_on_commit_callbacks):
    """Save a chat id on the settings page; returns the code that reached that chat, if any."""

    def ask(chat_id: str) -> str | None:
        before = len(telegram.messages)
        with django_capture_on_commit_callbacks(execute=True):
            browser.post("/account/notifications/", {"telegram_chat_id": chat_id})
        sent = [m for m in telegram.messages[before:] if m["chat_id"] == chat_id]
        if not sent:
            return None
        return re.search(r"\b(\d{6})\b", sent[-1]["text"]).group(1)

    return ask


def chat_of(hotel, user) -> str:
    with tenant_context(hotel):
        return NotificationSettings.objects.get(user=user).telegram_chat_id


def test_a_new_chat_gets_a_code_and_nothing_else_until_it_comes_back(
    hotel,
    guest,
    browser,
    ask_code,
    telegram,
):
    # when the guest types a new chat id
    code = ask_code("777")

    # then only the code went there, the old chat stays linked, and the page asks for the code
    assert code is not None
    assert chat_of(hotel, guest) == "4242"
    page = browser.get("/account/notifications/").content.decode()
    assert 'action="/account/notifications/telegram/"' in page
    assert "777" in page
    with tenant_context(hotel):
        notify(recipient=guest, event="order_status", title="Ready", key="t1")
        assert NotificationSettings.objects.get(user=guest).telegram_chat_id == "4242"

    # when the code comes back
    response = browser.post("/account/notifications/telegram/", {"code": code})

    # then the new chat counts
    assert response.status_code == 302
    assert chat_of(hotel, guest) == "777"
    assert "Link your Telegram chat" not in browser.get("/account/notifications/").content.decode()


def test_wrong_codes_link_nothing_and_the_last_try_forgets_the_chat(
    hotel,
    guest,
    browser,
    ask_code,
):
    code = ask_code("777")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(TELEGRAM_CODE_TRIES):
        browser.post("/account/notifications/telegram/", {"code": wrong})
    late = browser.post("/account/notifications/telegram/", {"code": code}, follow=True)

    assert chat_of(hotel, guest) == "4242"
    assert "No code is waiting" in late.content.decode()


def test_the_bot_writes_to_few_chats_an_hour(hotel, guest, browser, ask_code):
    codes = [ask_code(f"90{n}") for n in range(4)]
    refused = browser.get("/account/notifications/")

    assert [c is not None for c in codes] == [True, True, True, False]
    assert chat_of(hotel, guest) == "4242"
    assert refused.status_code == 200


def test_someone_else_cannot_use_the_code(hotel, guest, ask_code, telegram):
    code = ask_code("777")
    other = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        intruder = UserFactory(email="intruder@guest.example.com")
        ClientProfile.objects.create(user=intruder)
        other.force_login(intruder)

    response = other.post("/account/notifications/telegram/", {"code": code}, follow=True)

    assert "No code is waiting" in response.content.decode()
    assert chat_of(hotel, guest) == "4242"
    with tenant_context(hotel):
        assert not NotificationSettings.objects.filter(user=intruder, telegram_chat_id="777")\
            .exists()  # fmt: skip


def test_clearing_the_field_unlinks_at_once(hotel, guest, browser, ask_code):
    assert ask_code("") is None
    assert chat_of(hotel, guest) == ""


def test_without_a_bot_nothing_is_sent_and_the_page_says_so(hotel, guest, browser, settings):
    settings.TELEGRAM_BOT_TOKEN = ""

    response = browser.post("/account/notifications/", {"telegram_chat_id": "777"}, follow=True)

    assert "Telegram is not available in this cabinet." in response.content.decode()
    assert chat_of(hotel, guest) == "4242"
