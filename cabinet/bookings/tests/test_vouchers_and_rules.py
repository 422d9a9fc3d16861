"""Each event's own booking rules, the booking page, and the documents: a voucher per confirmed
booking, an invoice for an order paid on site — PDFs in the client's language, private to them."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import booking_cancel, booking_create
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.documents.models import Document
from cabinet.documents.services import order_document_build, voucher_build, voucher_code
from tests.factories import UserFactory


def an_event(hours_ahead: float = 72, **fields) -> Event:
    start = timezone.now() + dt.timedelta(hours=hours_ahead)
    fields.setdefault("title", "Boat trip")
    return Event.objects.create(starts_at=start, ends_at=start + dt.timedelta(hours=2), **fields)


def a_client(**fields) -> ClientProfile:
    return ClientProfile.objects.create(user=UserFactory(**fields))


def signed_in(tenant, user, host: str = "hotel.localhost") -> Client:
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def pdf_text(browser: Client, link: str) -> str:
    response = browser.get(link)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return " ".join(page.extract_text() for page in reader.pages)


def test_each_event_has_its_own_cut_off_and_seat_limit(hotel):
    with tenant_context(hotel):
        soon = an_event(hours_ahead=3, cutoff_minutes=240)
        later = an_event(hours_ahead=3, cutoff_minutes=60, max_seats_per_booking=2)
        guest = a_client()
        with pytest.raises(ValidationError, match="closed"):
            booking_create(event=soon, client=guest)
        with pytest.raises(ValidationError, match="between 1 and 2"):
            booking_create(event=later, client=guest, seats=3)
        assert booking_create(event=later, client=guest, seats=2).status == "confirmed"


def test_each_event_has_its_own_cancellation_window(hotel):
    with tenant_context(hotel):
        strict = an_event(hours_ahead=20, cancel_window_minutes=24 * 60)
        lenient = an_event(hours_ahead=20, cancel_window_minutes=60)
        guest = a_client()
        strict_booking = booking_create(event=strict, client=guest)
        with pytest.raises(ValidationError, match="too late"):
            booking_cancel(booking=strict_booking)
        booking_cancel(booking=booking_create(event=lenient, client=guest))
        assert Booking.objects.get(event=lenient).status == "cancelled"


def test_a_started_event_cannot_be_booked(hotel):
    with tenant_context(hotel):
        started = an_event(hours_ahead=-1, cutoff_minutes=0)
        with pytest.raises(ValidationError, match="already started"):
            booking_create(event=started, client=a_client())


@pytest.mark.parametrize(
    ("field", "value"),
    [("cutoff_minutes", "-5"), ("cutoff_minutes", "99999999"), ("max_seats_per_booking", "0"),
     ("max_seats_per_booking", "11"), ("cancel_window_minutes", "abc")],
)  # fmt: skip
def test_staff_set_the_rules_and_absurd_ones_are_refused(hotel, field, value):
    with tenant_context(hotel):
        from rbac.models import User

        owner = User.objects.get(email="owner@hotel.example.com")
    browser = signed_in(hotel, owner)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=5))
    data = {"kind": "excursion", "title": "Kayak tour", "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}", "capacity": "8",
            "price": "20", "currency": "EUR", "cutoff_minutes": "120",
            "cancel_window_minutes": "1440", "max_seats_per_booking": "4"}  # fmt: skip
    assert browser.post("/staff/content/events/new/", data).status_code == 302
    response = browser.post("/staff/content/events/new/", {**data, field: value})
    assert response.status_code == 400
    with tenant_context(hotel):
        (event,) = Event.objects.filter(title="Kayak tour")
        assert (event.cutoff_minutes, event.max_seats_per_booking) == (120, 4)


def test_a_confirmed_booking_gets_a_voucher_in_the_guests_language(hotel):
    with tenant_context(hotel):
        event = an_event(title="Морская прогулка", price=Decimal("25.00"), location="Pier 3")
        guest = a_client(full_name="Ольга Петрова", language="ru")
        booking = booking_create(event=event, client=guest, seats=2)
        document = voucher_build(booking_id=booking.pk)
        assert voucher_build(booking_id=booking.pk).pk == document.pk  # once
        code = voucher_code(booking)
    browser = signed_in(hotel, guest.user)
    page = browser.get(f"/bookings/{booking.pk}/").content.decode()
    (link,) = re.findall(r'href="(/documents/[^"]+)"', page)
    text = pdf_text(browser, link)
    for expected in (
        "Морская прогулка",
        "Ольга Петрова",
        "Pier 3",
        "Цена 50,00 €",  # money as Russian writes it
        code,
        "Код ваучера",
    ):
        assert expected in text


def test_a_waitlisted_booking_gets_its_voucher_when_promoted(
    hotel, eager_tasks, django_capture_on_commit_callbacks
):
    with tenant_context(hotel):
        event = an_event(capacity=1)
        first, second = a_client(), a_client()
        with django_capture_on_commit_callbacks(execute=True):
            taken = booking_create(event=event, client=first)
            waiting = booking_create(event=event, client=second, waitlist=True)
        assert Document.objects.filter(booking=taken, kind="voucher").exists()
        assert voucher_build(booking_id=waiting.pk) is None  # no voucher on the waitlist
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=taken)
        assert Document.objects.filter(booking=waiting, kind="voucher").exists()


def test_an_order_paid_on_site_gets_an_invoice(hotel):
    with tenant_context(hotel):
        guest = a_client(full_name="Greta Guest")
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(client=guest, wanted={item.pk: 1}, payment="on_site",
                            submission_key="inv")  # fmt: skip
        document = order_document_build(order_id=order.pk)
        assert document.kind == Document.Kind.INVOICE
    browser = signed_in(hotel, guest.user)
    page = browser.get(f"/orders/{order.pk}/").content.decode()
    assert "Invoice (PDF)" in page
    (link,) = re.findall(r'href="(/documents/[^"]+)"', page)
    text = pdf_text(browser, link)
    for expected in ("Invoice INV-", "Amount due", "€45.00"):
        assert expected in text


def test_a_booking_page_and_voucher_are_the_guests_only(hotel, shop):
    with tenant_context(hotel):
        guest, other = a_client(), a_client()
        booking = booking_create(event=an_event(), client=guest)
        voucher_build(booking_id=booking.pk)
    page = signed_in(hotel, guest.user).get(f"/bookings/{booking.pk}/").content.decode()
    (link,) = re.findall(r'href="(/documents/[^"]+)"', page)
    snoop = signed_in(hotel, other.user)
    assert snoop.get(f"/bookings/{booking.pk}/").status_code == 404
    assert snoop.get(link).status_code == 404
    assert snoop.post(f"/bookings/{booking.pk}/cancel/").status_code == 404
    with tenant_context(shop):
        shop_user = UserFactory()
        ClientProfile.objects.create(user=shop_user)
    elsewhere = signed_in(shop, shop_user, host="shop.localhost")
    assert elsewhere.get(f"/bookings/{booking.pk}/").status_code == 404
    assert elsewhere.get(link).status_code == 404
    with tenant_context(hotel):
        assert Booking.objects.get(pk=booking.pk).status == "confirmed"


@pytest.mark.parametrize("pk", ["0", "99999999", "-1"])
def test_booking_pages_that_do_not_exist_are_404(hotel, pk):
    with tenant_context(hotel):
        guest = a_client()
    browser = signed_in(hotel, guest.user)
    assert browser.get(f"/bookings/{pk}/").status_code == 404


def test_the_calendar_shows_the_months_events_by_day(hotel, django_assert_max_num_queries):
    with tenant_context(hotel):
        guest = a_client()
        first = an_event(title="Sunset cruise")
        an_event(title="Wine tasting")
        booking = booking_create(event=first, client=guest)
    browser = signed_in(hotel, guest.user)
    month = timezone.localtime(first.starts_at).strftime("%Y-%m")
    day = timezone.localtime(first.starts_at).strftime("%Y-%m-%d")
    browser.get(f"/events/calendar/?month={month}")
    with django_assert_max_num_queries(12):
        page = browser.get(f"/events/calendar/?month={month}").content.decode()
    assert f'href="#day-{day}"' in page
    assert "Sunset cruise" in page
    assert "Wine tasting" in page
    assert f"/bookings/{booking.pk}/" in page  # the guest's own booking is marked


@pytest.mark.parametrize(
    "month", ["2026-13", "abcd-ef", "9999-01", "1-1", "<script>", "2026-1" * 50]
)
def test_a_bad_month_is_a_clear_400_with_this_month_shown(hotel, month):
    with tenant_context(hotel):
        guest = a_client()
    response = signed_in(hotel, guest.user).get("/events/calendar/", {"month": month})
    assert response.status_code == 400
    page = response.content.decode()
    assert "here is this month" in page
    assert "<script>" not in page


def test_the_bookings_history_filters_and_pages(hotel, django_assert_max_num_queries):
    with tenant_context(hotel):
        guest, other = a_client(), a_client()
        past = an_event(hours_ahead=-48, title="Yesterday's tour", cutoff_minutes=0)
        Booking.objects.create(event=past, client=guest, seats=1, status="confirmed")
        for n in range(22):
            booking_create(event=an_event(title=f"Tour {n}", hours_ahead=24 + n), client=guest)
        booking_create(event=an_event(title="Someone else's"), client=other)
    browser = signed_in(hotel, guest.user)
    browser.get("/bookings/")
    with django_assert_max_num_queries(12):
        first = browser.get("/bookings/").content.decode()
    assert first.count('class="card row-card client-row"') == 20
    assert "Someone else" not in first
    assert "Yesterday&#x27;s tour" in browser.get("/bookings/?when=past").content.decode()
    assert "Yesterday" not in browser.get("/bookings/?when=upcoming").content.decode()
    assert "Tour 0" in browser.get("/bookings/?when=upcoming").content.decode()
    second = browser.get("/bookings/?page=2").content.decode()
    assert second.count('class="card row-card client-row"') == 3
    for hostile in ("?status=<script>", "?when=' OR 1=1", "?page=-1", "?page=99999"):
        response = browser.get("/bookings/" + hostile)
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("</head>", 1)[1]
