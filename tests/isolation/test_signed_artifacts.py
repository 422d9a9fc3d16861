"""What one cabinet signs or mints is worthless in another, even where the primary keys
collide: the foreign artifact gets the answer a forged one gets, and shows nothing of B.

Each test makes the two rows with the same, deliberately chosen primary key in hotel and shop
(each schema has its own sequences, so production hits such pairs all the time)."""

import datetime as dt
import itertools
import json
import re

import pytest
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from allauth.mfa import app_settings as mfa_settings
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.documents.models import Document
from cabinet.notifications.models import WebhookDelivery, WebhookEndpoint
from rbac.models import ApiKey, DataExport, StaffInvitation, User
from tests.conftest import host_of
from tests.factories import PASSWORD, UserFactory

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
    event = Event.objects.create(
        title="Boat trip", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    client = ClientProfile.objects.create(user=UserFactory(full_name=guest))
    return Booking.objects.create(
        pk=pk, event=event, client=client, seats=1, status=Booking.Status.CONFIRMED
    )


def test_a_hotel_voucher_does_not_pass_the_shop_door_for_the_booking_with_the_same_id(hotel, shop):
    from cabinet.documents.services import voucher_code

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
    assert (
        signed_in(hotel, owner_of(hotel)).post("/staff/vouchers/", {"code": code}).status_code
        == 200
    )


# --- Document links and data-export downloads ---------------------------------------------------


def _twin_user(tenant, pk: int, email: str) -> User:
    with tenant_context(tenant):
        return UserFactory(pk=pk, email=email)


def _document(pk: int, user: User, text: bytes) -> Document:
    document = Document(
        pk=pk, client=ClientProfile.objects.create(user=user), kind=Document.Kind.RECEIPT
    )
    document.file.save(f"receipt-{pk}.pdf", ContentFile(text), save=False)
    document.save()
    return document


def test_a_hotel_document_link_does_not_open_the_shop_document_with_the_same_ids(hotel, shop):
    from cabinet.documents.services import document_link

    # given a user and a document with the same primary keys in hotel and in shop
    user_pk, document_pk = same_pk(), same_pk()
    guest = _twin_user(hotel, user_pk, "twin@example.com")
    reader = _twin_user(shop, user_pk, "twin@example.com")
    with tenant_context(hotel):
        link = document_link(_document(document_pk, guest, b"hotel receipt"), user_id=user_pk)
    with tenant_context(shop):
        _document(document_pk, reader, b"shop receipt")
    browser = signed_in(shop, reader)
    forged = browser.get(link[:-6] + "AAAAA/")
    # when the shop's twin opens the hotel's link on the shop's host
    opened = browser.get(link)
    # then it is a 404, as a forged link is, with nothing of the shop's file
    assert forged.status_code == opened.status_code == 404
    assert b"shop receipt" not in opened.content
    # and the link works for its owner where it was made
    served = signed_in(hotel, guest).get(link)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"hotel receipt"


def test_a_hotel_export_download_does_not_fetch_the_shop_export_with_the_same_ids(hotel, shop):
    from cabinet.accounts.account_views import download_url

    def ready_export(pk: int, user: User, text: bytes) -> DataExport:
        export = DataExport(pk=pk, user=user, status=DataExport.Status.READY, progress=100)
        export.json_file.save(f"export-{pk}.json", ContentFile(text), save=False)
        export.save()
        return export

    # given a user and a finished export with the same primary keys in hotel and in shop
    user_pk, export_pk = same_pk(), same_pk()
    guest = _twin_user(hotel, user_pk, "twin@example.com")
    reader = _twin_user(shop, user_pk, "twin@example.com")
    with tenant_context(hotel):
        link = download_url(ready_export(export_pk, guest, b'{"who": "hotel"}'), "json")
    with tenant_context(shop):
        ready_export(export_pk, reader, b'{"who": "shop"}')
    browser = signed_in(shop, reader)
    forged = browser.get(link[:-6] + "AAAAA/")
    # when the shop's twin follows the hotel's link on the shop's host
    fetched = browser.get(link)
    # then it is a 404, as a forged link is
    assert forged.status_code == fetched.status_code == 404
    assert b'{"who"' not in fetched.content  # nothing of either export; the page is the shop's 404
    assert signed_in(hotel, guest).get(link).status_code == 200


# --- Password reset -------------------------------------------------------------------------------


def test_a_hotel_password_reset_link_does_not_reset_the_shop_twin(hotel, shop):
    from allauth.account.utils import user_pk_to_url_str

    from rbac.tokens import TenantPasswordResetTokenGenerator

    # given users with the same id, email, password hash and last sign-in in hotel and shop
    pk = same_pk()
    guest = _twin_user(hotel, pk, "twin@example.com")
    with tenant_context(shop):
        reader = UserFactory(pk=pk, email="twin@example.com")
        User.objects.filter(pk=pk).update(password=guest.password, last_login=guest.last_login)
        reader.refresh_from_db()
    with tenant_context(hotel):
        key = TenantPasswordResetTokenGenerator().make_token(guest)
    path = f"/accounts/password/reset/key/{user_pk_to_url_str(guest)}-{key}/"
    forged_path = path.replace(key, key[:-4] + "0000")
    shop_client = Client(HTTP_HOST=host_of(shop))
    forged = shop_client.get(forged_path, follow=True)
    # when the hotel's link is opened on the shop's host
    opened = shop_client.get(path, follow=True)
    # then the shop answers as to a forged link and lets no one set a password
    assert opened.status_code == forged.status_code
    assert opened.redirect_chain == forged.redirect_chain == []
    assert b"twin@example.com" not in opened.content
    with tenant_context(shop):
        assert not TenantPasswordResetTokenGenerator().check_token(reader, key)
    # and the link is good in the hotel
    with tenant_context(hotel):
        assert TenantPasswordResetTokenGenerator().check_token(guest, key)


# --- Staff invitations ----------------------------------------------------------------------------


def test_a_hotel_invitation_does_not_let_anyone_join_the_shop(
    hotel, shop, eager_tasks, django_capture_on_commit_callbacks
):
    from rbac.services import staff_invite

    # given a hotel invitation, and a shop invitation with the same id and the same stored hash
    # (as if the shop had drawn the same random token)
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        invitation = staff_invite(invited_by=owner_of(hotel), email="new@hotel-staff.example.com")
    (token,) = re.findall(r"/staff/join/([^\s/]+)/", mail.outbox[-1].body)
    with tenant_context(shop):
        StaffInvitation.objects.create(
            pk=invitation.pk,
            email="new@shop-staff.example.com",
            role=invitation.role,
            invited_by=owner_of(shop),
            expires_at=invitation.expires_at,
            token_hash=invitation.token_hash,
        )
    shop_client = Client(HTTP_HOST=host_of(shop))
    forged = shop_client.get(f"/staff/join/{token[:-4]}0000/")
    # when the hotel's invitation is opened and accepted on the shop's host
    opened = shop_client.get(f"/staff/join/{token}/")
    accepted = shop_client.post(
        f"/staff/join/{token}/", {"full_name": "Mallory", "password": "a-long-pass-phrase-9"}
    )
    # then it is refused as a forged one is, naming no one, and no account is made
    assert forged.status_code == opened.status_code == accepted.status_code == 400
    assert b"new@shop-staff" not in opened.content
    with tenant_context(shop):
        assert not User.objects.filter(email="new@shop-staff.example.com").exists()
    # and it works in the hotel
    assert Client(HTTP_HOST=host_of(hotel)).get(f"/staff/join/{token}/").status_code == 200


# --- The signup hand-off ---------------------------------------------------------------------


def test_a_hand_off_signed_for_the_hotel_is_refused_by_the_shop(hotel, shop):
    from tenants.handoff import HandoffInvalid, handoff_read, handoff_sign

    token = handoff_sign(schema_name=hotel.schema_name, email=f"owner@{hotel.slug}.example.com")
    with pytest.raises(HandoffInvalid):
        handoff_read(token, schema_name=shop.schema_name)
    assert handoff_read(token, schema_name=hotel.schema_name).email == "owner@hotel.example.com"
    forged = Client(HTTP_HOST=host_of(shop)).post("/staff/handoff/", {"t": token[:-4] + "AAAA"})
    foreign = Client(HTTP_HOST=host_of(shop)).post("/staff/handoff/", {"t": token})
    assert forged.status_code == foreign.status_code == 400
    assert b"owner@shop" not in foreign.content


# --- API keys ------------------------------------------------------------------------------------


def test_a_hotel_api_key_is_refused_by_the_shop_even_with_the_same_prefix_and_hash(hotel, shop):
    from rbac.api_keys import SCOPES, api_key_create

    # given a hotel key, and a shop key with the same id, prefix and stored hash
    with tenant_context(hotel):
        key, text = api_key_create(name="PMS", scopes=list(SCOPES), by=owner_of(hotel))
    with tenant_context(shop):
        ApiKey.objects.create(
            pk=key.pk,
            name="Shop PMS",
            prefix=key.prefix,
            secret_hash=key.secret_hash,
            scopes=key.scopes,
            created_by=owner_of(shop),
        )

    def call(host: str, presented: str):
        return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Api-Key {presented}").get(
            "/api/v1/staff/clients/"
        )

    forged = call(host_of(shop), text[:-4] + "0000")
    # when the hotel's key is presented to the shop's API
    foreign = call(host_of(shop), text)
    # then it is a 401, as a forged one is, with no data
    assert forged.status_code == foreign.status_code == 401
    assert foreign.content == forged.content
    assert call(host_of(hotel), text).status_code == 200


# --- Outgoing webhook signatures -------------------------------------------------------------


def test_a_webhook_body_names_its_cabinet_under_the_signature(hotel, shop, settings):
    from cabinet.notifications.outgoing import deliver, signature
    from cabinet.notifications.tests.test_outgoing_webhooks import Receiver
    from tests.support.fake_server import serving

    # given endpoints with the same id, secret and a delivery of the same payload in both
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    pk, secret = same_pk(), "s" * 64
    with serving(Receiver()) as receiver:
        for tenant in (hotel, shop):
            with tenant_context(tenant):
                endpoint = WebhookEndpoint.objects.create(
                    pk=pk, url=receiver.url, events=["order.created"], secret=secret
                )
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint, event="order.created", payload={"order": 1}
                )
                # when each cabinet delivers it
                deliver(delivery.pk)
    (hotel_headers, hotel_body), (_shop_headers, shop_body) = receiver.received
    # then each body says whose it is, under the signature
    assert json.loads(hotel_body)["cabinet"] == "hotel"
    assert json.loads(shop_body)["cabinet"] == "shop"
    stamp = int(hotel_headers["Kabinet-Signature"].split(",")[0][2:])
    assert hotel_headers["Kabinet-Signature"] == signature(secret, hotel_body, stamp)
    assert signature(secret, hotel_body, stamp) != signature(secret, shop_body, stamp)


# --- Login codes --------------------------------------------------------------------------------


def test_a_hotel_login_code_does_not_sign_in_the_shop_twin_waiting_for_a_code(hotel, shop):
    # given the same person (same id and email) in hotel and shop, each waiting for a code
    pk = same_pk()
    _twin_user(hotel, pk, "twin@example.com")
    _twin_user(shop, pk, "twin@example.com")
    hotel_browser = Client(HTTP_HOST=host_of(hotel))
    shop_browser = Client(HTTP_HOST=host_of(shop))
    hotel_browser.post("/accounts/login/code/", {"email": "twin@example.com"})
    hotel_code = re.findall(r"\b\d{6}\b", mail.outbox[-1].body)[0]
    shop_browser.post("/accounts/login/code/", {"email": "twin@example.com"})
    shop_code = re.findall(r"\b\d{6}\b", mail.outbox[-1].body)[0]
    assert hotel_code != shop_code  # one in a million: the codes are drawn independently
    forged = "000000" if "000000" not in (hotel_code, shop_code) else "111111"
    # when the hotel's code is typed into the shop's flow (after a made-up one)
    refused = shop_browser.post("/accounts/login/code/confirm/", {"code": forged})
    foreign = shop_browser.post("/accounts/login/code/confirm/", {"code": hotel_code})
    # then it is refused as the made-up one is, and nobody is signed in
    assert foreign.status_code == refused.status_code
    assert "_auth_user_id" not in shop_browser.session
    # and the shop's own code still signs in there
    shop_browser.post("/accounts/login/code/confirm/", {"code": shop_code})
    assert shop_browser.session["_auth_user_id"] == str(pk)


# --- allauth's "trust this browser" cookie ----------------------------------------------------


def test_a_browser_trusted_in_the_hotel_is_asked_for_a_code_by_the_shop_twin(hotel, shop, settings):
    """allauth signs the trust cookie with the platform's key over a fingerprint of the user's
    id, password hash and factors; rbac.browser_trust binds it to the schema. The twin in the
    shop has the same id, email and even the same password hash (a copied account), so only the
    schema tells the two apart. The cookie is set host-only, so a browser does not even send it;
    here it is copied by hand, as an attacker would."""
    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = {"password"}
    pk = same_pk()
    _twin_user(hotel, pk, "twin@example.com")
    twin = _twin_user(shop, pk, "twin@example.com")
    with tenant_context(hotel):
        same_hash = User.objects.get(pk=pk).password
    with tenant_context(shop):
        User.objects.filter(pk=twin.pk).update(password=same_hash)
    hotel_browser = Client(HTTP_HOST=host_of(hotel))
    hotel_browser.post("/accounts/login/", {"login": "twin@example.com", "password": PASSWORD})
    code = re.findall(r"\b\d{6}\b", mail.outbox[-1].body)[0]
    assert hotel_browser.post("/accounts/login/code/confirm/", {"code": code})["Location"] == (
        "/accounts/2fa/trust/"
    )
    trusted = hotel_browser.post("/accounts/2fa/trust/", {"action": "trust"})
    cookie = trusted.cookies[mfa_settings.TRUST_COOKIE_NAME]
    assert not cookie["domain"]  # host-only: never sent to another cabinet's host
    hotel_browser.post("/accounts/logout/")

    # when: the hotel's trust cookie is carried to the shop, and back to the hotel
    shop_browser = Client(HTTP_HOST=host_of(shop))
    shop_browser.cookies[mfa_settings.TRUST_COOKIE_NAME] = cookie.value
    in_shop = shop_browser.post(
        "/accounts/login/", {"login": "twin@example.com", "password": PASSWORD}
    )
    at_home = hotel_browser.post(
        "/accounts/login/", {"login": "twin@example.com", "password": PASSWORD}
    )

    # then: the shop asks for a code and signs nobody in; the hotel lets its browser in
    assert in_shop["Location"] == "/accounts/login/code/confirm/"
    assert "_auth_user_id" not in shop_browser.session
    assert at_home["Location"] != "/accounts/login/code/confirm/"
    assert hotel_browser.session["_auth_user_id"] == str(pk)
