"""SMS through the Twilio client library, pointed at a local fake of Twilio's API."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.notifications import sms
from cabinet.notifications.models import NotificationSettings
from cabinet.notifications.services import DeliveryFailed, delivery_run, notify
from tests.factories import UserFactory
from tests.support.fake_twilio import fake_twilio


def a_guest(phone: str):
    user = UserFactory()
    ClientProfile.objects.create(user=user, phone=phone)
    NotificationSettings.objects.create(user=user, channels={"booking": ["sms"]})
    return user


def test_an_sms_reaches_the_guests_number_in_e164(hotel, twilio):
    with tenant_context(hotel):
        guest = a_guest("8 (916) 123-45-67")
        note = notify(recipient=guest, event="booking", title="Booked: Boat trip",
                      body="03 Dec 11:00", key="sms1")  # fmt: skip
        assert delivery_run(delivery_id=note.deliveries.get(channel="sms").pk) == "sent"
    (sent,) = twilio.sms
    assert sent["path"] == f"/2010-04-01/Accounts/{'AC' + '1' * 32}/Messages.json"
    assert sent["account"] == f"{'AC' + '1' * 32}:secret-token"
    assert (sent["To"], sent["From"]) == ("+79161234567", "+15005550006")
    assert sent["Body"] == "Hotel Test: Booked: Boat trip\n03 Dec 11:00"


def test_a_failing_provider_is_retried_and_logged(hotel, twilio):
    twilio.fail_next = 1
    with tenant_context(hotel):
        guest = a_guest("+7 916 123 45 67")
        delivery = notify(recipient=guest, event="booking", title="x", key="sms2").deliveries.get()
        with pytest.raises(DeliveryFailed):
            delivery_run(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert "500" in delivery.last_error
        assert delivery_run(delivery_id=delivery.pk) == "sent"
    assert len(twilio.sms) == 1


@pytest.mark.parametrize("phone", ["", "12", "not a phone", "+7 000", "'; DROP TABLE--"])
def test_no_sms_is_attempted_without_a_valid_number(hotel, twilio, phone):
    with tenant_context(hotel):
        note = notify(recipient=a_guest(phone), event="booking", title="x", key="sms3")
        assert not note.deliveries.exists()  # in the cabinet only
    assert twilio.sms == []


def test_a_long_text_is_cut_to_three_parts(hotel, twilio):
    with tenant_context(hotel):
        guest = a_guest("+79161234567")
        note = notify(recipient=guest, event="booking", title="x", body="y" * 3000, key="sms4")
        delivery_run(delivery_id=note.deliveries.get().pk)
    assert len(twilio.sms[0]["Body"]) == sms.SMS_MAX_CHARS


def test_sms_is_offered_only_when_the_platform_has_a_provider(hotel, settings):
    with tenant_context(hotel):
        guest = a_guest("+79161234567")
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(guest)
    sms.provider.cache_clear()
    assert 'name="booking:sms"' not in browser.get("/account/notifications/").content.decode()
    with fake_twilio() as fake:
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "2" * 32, "t"
        settings.TWILIO_FROM, settings.TWILIO_API_BASE = "+15005550006", fake.url
        sms.provider.cache_clear()
        assert 'name="booking:sms"' in browser.get("/account/notifications/").content.decode()
    sms.provider.cache_clear()
