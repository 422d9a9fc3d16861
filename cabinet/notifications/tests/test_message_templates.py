"""The owner words the emails per kind of event and language; a client gets the wording of their
own language, the built-in one otherwise; placeholders are filled once, markup stays text."""

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.branding.services import branding_update
from cabinet.notifications.models import MessageTemplate
from cabinet.notifications.services import _send_email
from rbac.models import AuditEntry, User
from tests.factories import UserFactory


def owner_browser(tenant) -> Client:
    """The owner, who writes in English and Russian (the cabinet's content languages)."""
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        branding_update(content_languages=["en", "ru"])
        browser.force_login(User.objects.get(email=f"owner@{tenant.slug}.example.com"))
    return browser


def test_the_owner_words_the_booking_email_in_russian(hotel, shop):
    response = owner_browser(hotel).post("/staff/messages/templates/", {
        "event": "booking", "language": "ru",
        "subject": "{title} — ждём вас, {name}!", "body": "{details}\n\nКоманда «{cabinet}»",
    })  # fmt: skip
    assert response.status_code == 302
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="message_template.saved").exists()
        olga = UserFactory(full_name="Ольга Петрова", language="ru")
        tom = UserFactory(full_name="Tom Baker", language="en")
        _send_email(olga, "Бронь: Морская прогулка", "3 дек 11:00", "/bookings/1/", "booking")
        _send_email(tom, "Booked: Boat trip", "3 Dec 11:00", "/bookings/2/", "booking")
        _send_email(olga, "Заказ №1: Принят", "", "/orders/1/", "order_status")
    russian, english, other_event = mail.outbox
    assert russian.subject == "[Hotel Test] Бронь: Морская прогулка — ждём вас, Ольга!"
    assert "Команда «Hotel Test»" in russian.body
    assert "3 дек 11:00" in russian.body
    assert english.subject == "[Hotel Test] Booked: Boat trip"  # no English wording: built-in
    assert other_event.subject == "[Hotel Test] Заказ №1: Принят"
    with tenant_context(shop):
        assert not MessageTemplate.objects.exists()


def test_placeholders_are_filled_once_and_markup_stays_text(hotel):
    owner_browser(hotel).post("/staff/messages/templates/", {
        "event": "chat_answer", "language": "en", "subject": "{title}",
        "body": "<script>alert(1)</script> {details}",
    })  # fmt: skip
    with tenant_context(hotel):
        tom = UserFactory(full_name="Tom Baker", language="en")
        _send_email(tom, "Anna answered you", "write {cabinet} here", "/messages/", "chat_answer")
    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert "write {cabinet} here" in email.body  # a value is never read as a placeholder
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("data", "status"),
    [({"event": "booking", "language": "ru", "subject": "only a subject", "body": ""}, 400),
     ({"event": "booking", "language": "ru", "subject": "x" * 201, "body": "y"}, 400),
     ({"event": "booking", "language": "ru", "subject": "s", "body": "y" * 2001}, 400),
     ({"event": "nope", "language": "ru", "subject": "s", "body": "b"}, 404),
     ({"event": "booking", "language": "xx", "subject": "s", "body": "b"}, 404),
     ({"event": "booking", "language": "de", "subject": "s", "body": "b"}, 404)],
)  # fmt: skip
def test_bad_templates_are_refused_and_nothing_is_saved(hotel, data, status):
    assert owner_browser(hotel).post("/staff/messages/templates/", data).status_code == status
    with tenant_context(hotel):
        assert not MessageTemplate.objects.exists()


def test_emptying_a_template_brings_back_the_built_in_wording(hotel):
    browser = owner_browser(hotel)
    data = {"event": "booking", "language": "en", "subject": "Hi {name}", "body": "{details}"}
    browser.post("/staff/messages/templates/", data)
    browser.post("/staff/messages/templates/", {**data, "subject": "", "body": ""})
    with tenant_context(hotel):
        assert not MessageTemplate.objects.exists()


def test_only_the_owner_words_the_emails(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=True))
    assert hotel_client.get("/staff/messages/templates/").status_code == 403
    data = {"event": "booking", "language": "en", "subject": "s", "body": "b"}
    assert hotel_client.post("/staff/messages/templates/", data).status_code == 403
