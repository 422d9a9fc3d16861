"""What one cabinet signs or mints is worthless in another, even where the primary keys
collide: the foreign artifact gets the answer a forged one gets, and shows nothing of B.

Each test makes the two rows with the same, deliberately chosen primary key in hotel and shop
(each schema has its own sequences, so production hits such pairs all the time)."""

import datetime as dt
import itertools

import pytest
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.models import Booking, ClientProfile, Event
from rbac.models import User
from tests.conftest import host_of
from tests.factories import UserFactory

# Far above what the session's own rows use, and new for every test (sequences are not rolled
# back, but rows made with an explicit key do not move them).
_keys = itertools.count(910_001)


def same_pk() -> int:
    return next(_keys)


def signed_in(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant), raise_request_exception=False)
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def owner_of(tenant) -> User:
    with tenant_context(tenant):
        return User.objects.get(email=f"owner@{tenant.slug}.example.com")


# --- Email confirmation (allauth) ---------------------------------------------------------------


def _unverified(pk: int, email: str) -> EmailAddress:
    user = UserFactory(email=email, email_verified=False)
    EmailAddress.objects.filter(user=user).update(id=pk)
    return EmailAddress.objects.get(pk=pk)


def mailed_confirmation_key(address: EmailAddress) -> str:
    """The key of the confirmation link allauth mails for `address` (its send() stamps `sent`
    and sends mail; the stamp is all a link needs)."""
    confirmation = get_emailconfirmation_model().create(address)
    if hasattr(confirmation, "sent"):  # stored confirmations count from when they were sent
        confirmation.sent = timezone.now()
        confirmation.save(update_fields=["sent"])
    return confirmation.key


def test_a_hotel_confirmation_key_does_not_confirm_the_shop_address_with_the_same_id(
    hotel, shop, shop_client
):
    # given unconfirmed addresses with the same primary key in hotel and in shop
    pk = same_pk()
    with tenant_context(hotel):
        hotel_address = _unverified(pk, "guest@hotel-mail.example.com")
        key = mailed_confirmation_key(hotel_address)
    with tenant_context(shop):
        _unverified(pk, "reader@shop-mail.example.com")
    forged = shop_client.get(f"/accounts/confirm-email/{'f' * len(key)}/")
    # when hotel's key is opened and posted on shop's host
    opened = shop_client.get(f"/accounts/confirm-email/{key}/")
    posted = shop_client.post(f"/accounts/confirm-email/{key}/")
    # then shop answers as to a forged key, shows nothing, and verifies nothing
    assert opened.status_code == forged.status_code
    assert b"reader@shop-mail" not in opened.content
    assert b"reader@shop-mail" not in posted.content
    assert posted.status_code in (forged.status_code, 404)
    with tenant_context(shop):
        assert not EmailAddress.objects.get(pk=pk).verified
        assert "_auth_user_id" not in shop_client.session
    # and the key still works where it was made
    with tenant_context(hotel):
        assert not EmailAddress.objects.get(pk=pk).verified
    hotel_client = Client(HTTP_HOST=host_of(hotel))
    assert hotel_client.post(f"/accounts/confirm-email/{key}/").status_code == 302
    with tenant_context(hotel):
        assert EmailAddress.objects.get(pk=pk).verified


# --- Vouchers ------------------------------------------------------------------------------------


def _confirmed_booking(pk: int, guest: str) -> Booking:
    start = timezone.now() + dt.timedelta(days=3)
    event = Event.objects.create(title="Boat trip", starts_at=start,
                                 ends_at=start + dt.timedelta(hours=2))  # fmt: skip
    client = ClientProfile.objects.create(user=UserFactory(full_name=guest))
    return Booking.objects.create(pk=pk, event=event, client=client, seats=1,
                                  status=Booking.Status.CONFIRMED)  # fmt: skip


def test_a_hotel_voucher_does_not_pass_the_shop_door_for_the_booking_with_the_same_id(
    hotel, shop
):
    from cabinet.documents import voucher_code

    # given confirmed bookings with the same primary key in hotel and in shop
    pk = same_pk()
    with tenant_context(hotel):
        code = voucher_code(_confirmed_booking(pk, "Hilda Hotelguest"))
    with tenant_context(shop):
        _confirmed_booking(pk, "Sam Shopper")
    door = signed_in(shop, owner_of(shop))
    number = code.partition("-")[0]
    forged = door.post("/staff/vouchers/", {"code": f"{number}-0BADC0DE"})
    # when the hotel's voucher is checked at the shop's door
    checked = door.post("/staff/vouchers/", {"code": code})
    # then it is refused as a forged one is, and the shop's guest is not named
    assert forged.status_code == 404
    assert checked.status_code == forged.status_code
    assert b"Sam Shopper" not in checked.content
    with tenant_context(shop):
        assert Booking.objects.get(pk=pk).checked_in_at is None
    # and it is valid at the hotel's door
    assert signed_in(hotel, owner_of(hotel)).post("/staff/vouchers/", {"code": code}).status_code == 200
