"""Phone examples are real numbers of the reader's country, written the way the field accepts
them, and read left to right on an Arabic page; the client card counts orders in each
language's plural forms."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.orders.models import Order
from rbac.models import User
from rbac.sms import e164, phone_example
from tests.factories import UserFactory


def _phone_input(page: str) -> str:
    (tag,) = re.findall(r'<input[^>]*type="tel"[^>]*>', page)
    return tag


@pytest.mark.parametrize(
    ("language", "country_code"), [("en", "+44 "), ("ru", "+7 "), ("de", "+49 "), ("ar", "+971 ")]
)
def test_the_signup_phone_example_is_a_valid_number_of_the_readers_country(
    hotel, language, country_code
):
    # given a visitor reading the cabinet in their language
    visitor = Client(HTTP_HOST="hotel.localhost")
    visitor.cookies["django_language"] = language

    # when they open the signup page
    tag = _phone_input(visitor.get("/accounts/signup/").content.decode())

    # then the example is their country's, valid, and reads left to right
    example = re.search(r'placeholder="([^"]+)"', tag).group(1)
    assert example == phone_example(language)
    assert example.startswith(country_code)
    assert e164(example) is not None
    assert 'dir="ltr"' in tag


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {1: "1 order,", 2: "2 orders,"}),
        ("ru", {1: "1 заказ,", 3: "3 заказа,", 5: "5 заказов,"}),
        ("de", {1: "1 Bestellung,", 2: "2 Bestellungen,"}),
        ("ar", {1: "طلب واحد", 2: "طلبان", 3: "3 طلبات", 11: "11 طلبًا"}),
    ],
)
def test_the_client_card_counts_orders_in_the_readers_plural(hotel, language, counts):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        owner.language = language
        owner.save(update_fields=["language"])
    desk = Client(HTTP_HOST="hotel.localhost")
    desk.cookies["django_language"] = language
    with tenant_context(hotel):
        desk.force_login(owner)
    try:
        for count, words in counts.items():
            # given a client with `count` orders
            with tenant_context(hotel):
                client = ClientProfile.objects.create(user=UserFactory())
                for n in range(count):
                    Order.objects.create(
                        client=client, payment=Order.Payment.BALANCE, subtotal=Decimal(1),
                        total=Decimal(1), submission_key=f"plural-{client.pk}-{n}",
                    )  # fmt: skip

            # when the owner opens the card
            page = desk.get(f"/staff/clients/{client.pk}/").content.decode()

            # then the count reads as the language says it, and the amount is money
            assert words in page
            if language == "en":
                assert re.search(r"\d orders?, €\d+\.\d\d spent", page)
    finally:
        with tenant_context(hotel):
            owner.language = ""
            owner.save(update_fields=["language"])


@pytest.mark.parametrize("language", ["en", "ru", "de", "ar"])
def test_the_sign_in_example_fits_a_phone_screen(hotel, language):
    # given a visitor on a 375 px phone: the field is 269 px wide inside its padding, about 30
    # characters of its font — the Arabic example was cut there
    visitor = Client(HTTP_HOST="hotel.localhost")
    visitor.cookies["django_language"] = language

    # when they open the sign-in page
    page = visitor.get("/accounts/login/").content.decode()

    # then the login field's example is short enough to show whole, and names no one's country
    (tag,) = re.findall(r'<input[^>]*name="login"[^>]*>', page)
    example = re.search(r'placeholder="([^"]+)"', tag).group(1)
    assert len(example) <= 24
    assert "+7" not in example
