"""Files people open elsewhere: .ics made with icalendar (escaped, folded, in the cabinet's time
zone) and CSV exports that a spreadsheet cannot turn into formulas, with a BOM for Excel."""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_create, booking_ics
from rbac.audit import audit_record
from rbac.models import User
from rbac.spreadsheets import csv_bytes, csv_cell
from tests.factories import UserFactory

MOSCOW = ZoneInfo("Europe/Moscow")


def a_booking(**event_fields):
    start = dt.datetime(2027, 1, 15, 9, 30, tzinfo=dt.UTC)
    event = Event.objects.create(
        starts_at=start, ends_at=start + dt.timedelta(hours=2), **event_fields
    )
    return booking_create(event=event, client=ClientProfile.objects.create(user=UserFactory()))


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would misread Cyrillic"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- .ics ---------------------------------------------------------------------------------------


def test_the_ics_escapes_folds_and_carries_the_time_zone(hotel):
    # given an event whose text has every character iCalendar must escape, and a long description
    with tenant_context(hotel):
        booking = a_booking(
            title="Boat trip; sunset, with \\ champagne",
            location="Pier 3, Marina",
            description="Line one\nЛиния два, с запятой; " + "long " * 40,
        )
        # when it is written for a cabinet in Moscow
        body = booking_ics(booking, cabinet_name="Seaside", host="hotel.localhost", zone=MOSCOW)

    # then no line is longer than 75 octets, and the text reads back exactly
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"SUMMARY:Boat trip\\; sunset\\, with \\\\ champagne" in body
    calendar = icalendar.Calendar.from_ical(body)
    (event,) = calendar.events
    assert str(event["SUMMARY"]) == "Boat trip; sunset, with \\ champagne"
    assert str(event["DESCRIPTION"]).startswith("Line one\nЛиния два, с запятой; long")
    assert str(event["LOCATION"]) == "Pier 3, Marina"
    # and the start is local time in the cabinet's zone, with its VTIMEZONE
    assert b"DTSTART;TZID=Europe/Moscow:20270115T123000" in body
    assert [str(tz["TZID"]) for tz in calendar.timezones] == ["Europe/Moscow"]
    assert event.start == dt.datetime(2027, 1, 15, 9, 30, tzinfo=dt.UTC)
    assert str(event["UID"]) == f"booking-{booking.pk}@hotel.localhost"


def test_the_booking_page_serves_the_ics_to_its_client_only(hotel):
    # given a booking, its client and someone else
    with tenant_context(hotel):
        booking = a_booking(title="Excursion, with lunch", location="Old town")
        mine, other = booking.client.user, UserFactory()
    client, outsider = Client(HTTP_HOST="hotel.localhost"), Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        client.force_login(mine)
        outsider.force_login(other)

    # when each asks for the calendar file
    response = client.get(f"/bookings/{booking.pk}/calendar.ics")

    # then the client gets a valid calendar in the cabinet's zone; the other person a 404
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    (event,) = icalendar.Calendar.from_ical(response.content).events
    assert str(event["SUMMARY"]) == "Excursion, with lunch"
    assert event.start.tzinfo is not None
    assert outsider.get(f"/bookings/{booking.pk}/calendar.ics").status_code == 404


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_would_be_a_formula_is_text(dangerous):
    assert csv_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    ("value", "written"),
    [("Anna", "Anna"), ("", ""), (None, ""), (Decimal("-5.00"), Decimal("-5.00")), (-3, -3)],
)
def test_plain_text_and_numbers_are_left_alone(value, written):
    assert csv_cell(value) == written


def test_a_csv_starts_with_a_bom_and_reads_back_in_cyrillic():
    body = csv_bytes([["name"], ["Иванов"], ['=HYPERLINK("http://evil","x")']])
    assert rows_of(body) == [["name"], ["Иванов"], ['\'=HYPERLINK("http://evil","x")']]


def test_the_client_export_neutralises_a_formula_in_a_name(hotel, hotel_client):
    # given a client who typed a formula into their name
    with tenant_context(hotel):
        ClientProfile.objects.create(
            user=UserFactory(full_name="=cmd|' /C calc'!A0", email="evil@guest.example.com")
        )
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))

    # when the owner exports the clients
    response = hotel_client.post("/staff/clients/export/")

    # then the name is text in the spreadsheet, and the file opens in Excel as UTF-8
    assert response.status_code == 200
    rows = rows_of(response.content)
    assert rows[1][:3] == ["id", "name", "email"]
    names = [row[1] for row in rows[2:]]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


def test_the_audit_export_neutralises_a_formula_in_a_reason(hotel, hotel_client):
    # given an audit entry whose reason was typed by someone as a formula
    with tenant_context(hotel):
        audit_record(action="client.revealed", actor_label="someone", reason="@SUM(1+1)*cmd")
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))

    # when the owner exports the audit log
    response = hotel_client.get("/staff/audit/export/")

    # then that cell is text, the file has a BOM and a download name
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = rows_of(response.content)
    assert rows[0][0].startswith("# Audit log exported by owner@hotel.example.com")
    assert "'@SUM(1+1)*cmd" in [row[5] for row in rows[2:]]
