"""SMS transport: one small interface, `SmsProvider.send(to, text)`, and its provider, Twilio (the
official client library). Numbers are normalised to E.164 with phonenumbers. Identity uses it for
sign-in codes; cabinet's notification channel uses it for messages."""

from functools import cache
from typing import Protocol

import phonenumbers
from django.conf import settings
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

SMS_MAX_CHARS = 480  # three concatenated parts; longer texts are cut with an ellipsis
PHONE_MAX_LENGTH = 16  # E.164: a plus and at most fifteen digits


class SmsFailed(Exception):
    pass


class SmsProvider(Protocol):
    def send(self, *, to: str, text: str) -> str:
        """Send; the provider's id of the message. Raises SmsFailed."""


class TwilioSms:
    def __init__(self) -> None:
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        self.client.api.base_url = settings.TWILIO_API_BASE

    def send(self, *, to: str, text: str) -> str:
        try:
            message = self.client.messages.create(to=to, from_=settings.TWILIO_FROM, body=text)
        except (TwilioException, OSError) as exc:
            status = getattr(exc, "status", None)
            raise SmsFailed(f"sms: {type(exc).__name__} {status or ''}".strip()) from exc
        return message.sid or ""


@cache
def provider() -> SmsProvider | None:
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM:
        return TwilioSms()
    return None


def e164(raw: str) -> str | None:
    """The number in E.164 (+79161234567), or None when it is not a valid phone number."""
    if len(raw) > 64:
        return None
    try:
        number = phonenumbers.parse(raw, settings.SMS_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Whose numbers an example shows, by the page's language (a real, valid mobile number of that
# country, from libphonenumber's metadata, written the international way).
EXAMPLE_REGIONS = {"en": "GB", "ru": "RU", "de": "DE", "ar": "AE"}


def phone_example(language: str) -> str:
    """A phone number as someone reading `language` would type theirs: +44 7400 123456."""
    region = EXAMPLE_REGIONS.get(language.split("-")[0], "GB")
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_display(number: str) -> str:
    """An E.164 number as people read it: +7 916 123-45-67."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def sms_to(to: str, text: str) -> str:
    """Send `text` to an E.164 number, cut to three parts; the provider's message id."""
    sender = provider()
    if sender is None:
        raise SmsFailed("SMS is not set up")
    if len(text) > SMS_MAX_CHARS:
        text = text[: SMS_MAX_CHARS - 1] + "…"
    return sender.send(to=to, text=text)
