"""Locale-aware formats (issue 18, point 7): one money format, one set of named date styles per
language with Russian months declined and in lower case, plurals by ngettext, and no ISO or US
date for people; and point 9's errors tied to their inputs and charts with a table."""

import datetime as dt
import re
from decimal import Decimal
from importlib import import_module

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client
from django.utils import formats, translation
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_create
from cabinet.common.money import money
from cabinet.notifications.models import Notification
from tests.factories import UserFactory

MOMENT = dt.datetime(2026, 12, 7, 14, 30, 5, tzinfo=dt.UTC)
NBSP = "\u00a0"
ISO_OR_US = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


def styles(language: str) -> dict[str, str]:
    module = import_module(f"config.formats.{language}.formats")
    return {name: value for name, value in vars(module).items() if name.endswith("_FORMAT")}


# --- the helpers ------------------------------------------------------------------------------


def test_english_and_russian_name_the_same_styles():
    # given the two format modules / then each style exists in both languages
    assert styles("en").keys() == styles("ru").keys()
    assert {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT",
            "MONTH_DAY_FORMAT", "DAY_TIME_FORMAT"} <= styles("en").keys()  # fmt: skip


@pytest.mark.parametrize("name", sorted(styles("en")))
def test_every_named_style_renders_in_english_and_russian(name):
    # when each style renders one moment in both languages
    with translation.override("en"):
        english = formats.date_format(MOMENT, name)
    with translation.override("ru"):
        russian = formats.date_format(MOMENT, name)

    # then neither is an ISO or US date, nor the style's own name echoed back
    for shown in (english, russian):
        assert not ISO_OR_US.search(shown), shown
        assert "_FORMAT" not in shown
    # and a Russian day with its month declines the month, in lower case ("7 декабря")
    if "j E" in styles("ru")[name]:
        assert "7 декабря" in russian
    assert "Dec" not in russian
    assert "December" not in russian


@pytest.mark.parametrize(
    ("style", "english", "russian"),
    [
        ("DATE_FORMAT", "7 December 2026", "7 декабря 2026"),
        ("SHORT_DATE_FORMAT", "7 Dec 2026", "07.12.2026"),
        ("MONTH_DAY_FORMAT", "7 Dec", "7 декабря"),
        ("DAY_TIME_FORMAT", "7 Dec, 14:30", "7 декабря, 14:30"),
        ("WEEKDAY_DAY_FORMAT", "Mon 7 Dec", "Пн, 7 декабря"),
        ("MONTH_ABBR_FORMAT", "Dec", "дек"),
    ],
)
def test_the_date_filter_takes_a_named_style(style, english, russian):
    # given a template that names a style, as every template does
    template = Template(f'{{{{ when|date:"{style}" }}}}')

    # when it renders in each language / then each reads as its people write it
    with translation.override("en"):
        assert template.render(Context({"when": MOMENT})) == english
    with translation.override("ru"):
        assert template.render(Context({"when": MOMENT})) == russian


def test_money_has_the_symbol_where_the_locale_puts_it_and_separators():
    template = Template("{% load formats %}{{ amount|money:currency }}")

    def shown(language: str, amount: object, currency: str) -> str:
        with translation.override(language):
            return template.render(Context({"amount": amount, "currency": currency}))

    assert shown("en", Decimal("45"), "EUR") == "€45.00"
    assert shown("en", Decimal("100000"), "EUR") == "€100,000.00"
    assert shown("ru", Decimal("1250.5"), "EUR") == f"1{NBSP}250,50{NBSP}€"
    assert shown("ru", Decimal("150"), "RUB") == f"150,00{NBSP}₽"
    # Stripe's lower-case codes read the same; nothing is shown for no amount
    assert shown("en", Decimal("9.9"), "eur") == "€9.90"
    assert shown("en", None, "EUR") == ""
    assert money(Decimal("3"), "USD", language="ru") == f"3,00{NBSP}$"


def test_counts_are_plural_forms_not_brackets():
    # given the places of a booking, as the event pages write them
    template = Template(
        "{% load i18n %}{% blocktranslate count n=seats %}{{ n }} place{% plural %}"
        "{{ n }} places{% endblocktranslate %}"
    )

    def shown(language: str, seats: int) -> str:
        with translation.override(language):
            return template.render(Context({"seats": seats}))

    # then each count takes its own form, in both languages
    assert [shown("en", n) for n in (1, 2)] == ["1 place", "2 places"]
    assert [shown("ru", n) for n in (1, 3, 5, 21)] == ["1 место", "3 места", "5 мест", "21 место"]


# --- as people see them -------------------------------------------------------------------------


def a_booking_in_december(*, language: str, price: Decimal = Decimal("45")):
    start = dt.datetime(2027, 12, 7, 9, 30, tzinfo=dt.UTC)
    event = Event.objects.create(
        title="Boat trip", location="Pier 3", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), capacity=10, price=price, currency="EUR",
    )  # fmt: skip
    client = ClientProfile.objects.create(user=UserFactory(language=language))
    return booking_create(event=event, client=client, seats=2)


def test_a_russian_client_is_notified_with_a_declined_month(hotel):
    # given a client who reads Russian
    with tenant_context(hotel):
        # when they book an event on 7 December
        booking = a_booking_in_december(language="ru")
        note = Notification.objects.get(user=booking.client.user)

    # then the notification writes the month as Russian does, never "Dec"
    assert "7 декабря" in note.body
    assert "Dec" not in note.body
    assert note.title.startswith("Забронировано") or "Boat trip" in note.title


@pytest.mark.parametrize(
    ("style", "german"),
    [
        ("DATE_FORMAT", "7. Dezember 2026"),
        ("SHORT_DATE_FORMAT", "07.12.2026"),
        ("DAY_TIME_FORMAT", "7. Dez, 14:30"),
        ("WEEKDAY_DAY_FORMAT", "Mo, 7. Dez"),
        ("WEEKDAY_DATETIME_FORMAT", "Montag, 7. Dezember 2026, 14:30"),
    ],
)
def test_german_dates_read_as_germans_write_them(style, german):
    with translation.override("de"):
        assert formats.date_format(MOMENT, style) == german


def test_german_money_and_counts():
    with translation.override("de"):
        assert money(Decimal("1250.5"), "EUR") == f"1.250,50{NBSP}€"
        template = Template(
            "{% load i18n %}{% blocktranslate count n=seats %}{{ n }} place{% plural %}"
            "{{ n }} places{% endblocktranslate %}"
        )
        shown = [template.render(Context({"seats": n})) for n in (1, 2)]
    assert shown == ["1 Platz", "2 Plätze"]


def test_a_german_client_is_notified_in_german(hotel):
    # given a client who reads German, booking an event on 7 December
    with tenant_context(hotel):
        booking = a_booking_in_december(language="de")
        note = Notification.objects.get(user=booking.client.user)

    # then the notification is German, its month too
    assert note.title.startswith("Gebucht")
    assert "7. Dezember" in note.body or "7. Dez" in note.body


@pytest.mark.parametrize(
    ("language", "price", "when", "places"),
    [
        ("en", "€45.00", "7 December 2027", "2 places"),
        ("ru", f"45,00{NBSP}€", "7 декабря 2027", "2 места"),
        ("de", f"45,00{NBSP}€", "7. Dezember 2027", "2 Plätze"),
    ],
)
def test_the_booking_page_shows_money_and_dates_in_the_clients_language(
    hotel, language, price, when, places
):
    # given a booking of two places at 45 euros on 7 December
    with tenant_context(hotel):
        booking = a_booking_in_december(language=language)
    browser = Client(HTTP_HOST="hotel.localhost", HTTP_ACCEPT_LANGUAGE=language)
    with tenant_context(hotel):
        browser.force_login(booking.client.user)

    # when the client opens it, and the events list
    page = browser.get(f"/bookings/{booking.pk}/").content.decode()
    events = browser.get("/events/").content.decode()

    # then the price has its currency, the date its words, the places their plural
    assert price in page
    assert when in page
    assert "45.00 EUR" not in page
    assert places in events
    assert "place(s)" not in events
    assert not ISO_OR_US.search(re.sub(r"<[^>]+>", " ", page))


# --- accessibility ------------------------------------------------------------------------------


class NameForm(forms.Form):
    name = forms.CharField(help_text="As on your passport.")


def test_a_field_error_is_tied_to_its_input():
    # given a form with an error on a field that also has help
    form = NameForm(data={"name": ""})
    assert not form.is_valid()

    # when our fields partial renders it
    html = Template('{% include "_fields.html" %}').render(Context({"form": form}))

    # then the input names both the error and the help, and both carry those ids
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_name_error"' in html
    assert 'id="id_name_helptext"' in html


def test_an_allauth_field_error_is_tied_to_its_input(hotel_client):
    # when someone asks for a reset with an address that is not one
    page = hotel_client.post("/accounts/password/reset/", {"email": "not-an-address"})

    # then the form comes back refused, its error announced with the input it belongs to
    html = page.content.decode()
    assert page.status_code == 400
    error_id = re.search(r'class="field-error" id="([^"]+)"', html).group(1)
    assert re.search(rf'<input[^>]*aria-describedby="[^"]*{error_id}[^"]*"', html)
    assert 'aria-invalid="true"' in html


def test_a_bar_chart_has_its_data_as_a_table():
    from tenants.charts import bar_chart

    # given a chart of three days
    chart = bar_chart([("5 Dec", 1), ("6 Dec", 0), ("7 Dec", 4)])

    # when it renders
    with translation.override("en"):
        html = Template('{% include "control/_bar_chart.html" with label="Signups" %}').render(
            Context({"chart": chart})
        )

    # then a details element holds the same figures as a table, row by row
    assert "<details" in html
    assert "<table" in html
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', html)
    assert rows == [("5 Dec", "1"), ("6 Dec", "0"), ("7 Dec", "4")]
