"""The front desk: staff with the permission create a client, then print a login slip or send
an invitation by email or SMS; the client redeems the one-time code at /welcome/ through
allauth's sign-in flow and locks. Duplicates, bad input, roles and other tenants are refused."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import Assignment, ClientProfile
from cabinet.content.models import InfoPage
from rbac.models import AuditEntry, ClientInvitation, SecurityPolicy, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory

PASSWORD = "a long passphrase of mine"


def staff(name: str, role: str = StaffProfile.Role.OPERATOR) -> User:
    user = UserFactory(email=f"{name}@hotel.example.com", full_name=name.title(), is_staff=True)
    role_set(user=user, role=role)
    return user


def as_(tenant, user: User, host: str = "hotel.localhost") -> Client:
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def desk(hotel) -> Client:
    with tenant_context(hotel):
        operator = staff("olga")
    return as_(hotel, operator)


def create(browser: Client, **fields: str):
    data = {"full_name": "Jane Guest", "language": "en", "then": "slip", **fields}
    return browser.post("/staff/front-desk/", data)


def slip_code(page: str) -> str:
    (code,) = re.findall(r'slip-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', page)
    return code


def test_an_operator_creates_a_client_and_prints_a_slip_that_opens_the_cabinet(hotel, desk):
    # given a hotel whose registration is invitation-only
    with tenant_context(hotel):
        SecurityPolicy.objects.create(registration="invitation")
        InfoPage.objects.update_or_create(
            slug="wifi", defaults={"title": "Wi-Fi", "body": "Network: Seaside, password: sunny"}
        )
    # when the desk creates a client with an email and asks for a slip
    response = create(desk, email="Jane@Example.com")
    # then the slip shows the cabinet's address, the login, a one-time code and the Wi-Fi
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "http://hotel.localhost/welcome/" in page
    assert "jane@example.com" in page
    assert "Network: Seaside, password: sunny" in page
    assert "data-print" in page
    code = slip_code(page)
    with tenant_context(hotel):
        user = User.objects.get(email="jane@example.com")
        assert not user.has_usable_password()
        assert not user.is_staff
        assert ClientProfile.objects.filter(user=user).exists()
        # nobody's rule: the operator who created her serves her, so she may reprint the slip
        assert Assignment.objects.get(client__user=user, ended_at__isnull=True).staff.email == (
            "olga@hotel.example.com"
        )
        assert AuditEntry.objects.filter(action="client.created_at_desk").exists()
        invitation = ClientInvitation.objects.get(user=user)
        assert code.replace("-", "") not in invitation.code_hash
    # when the guest types the login and code on her phone and chooses a password
    guest = Client(HTTP_HOST="hotel.localhost")
    assert guest.get("/welcome/").status_code == 200
    answer = guest.post(
        "/welcome/", {"login": "jane@example.com", "code": code.lower(), "password": PASSWORD}
    )
    # then allauth signs her in — or, for an address nobody confirmed yet, asks to confirm it
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/confirm-email/"
    with tenant_context(hotel):
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        assert ClientInvitation.objects.get(user=user).used_at is not None
        assert AuditEntry.objects.filter(action="client.invitation_accepted").exists()
    # and the code works once
    again = Client(HTTP_HOST="hotel.localhost").post(
        "/welcome/", {"login": "jane@example.com", "code": code, "password": PASSWORD}
    )
    assert again.status_code == 400


def test_an_emailed_invitation_verifies_the_address_and_signs_the_guest_in(
    hotel, desk, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(desk, email="mail@example.com", then="email", language="ru")
    assert response.status_code == 302
    (message,) = [m for m in mail.outbox if "mail@example.com" in m.to]
    assert "Ваш личный кабинет" in message.subject  # in her language
    (link,) = re.findall(r"http://hotel\.localhost/welcome/\?\S+", message.body)
    code = re.search(r"code=([A-Z0-9]+)", link).group(1)
    guest = Client(HTTP_HOST="hotel.localhost")
    form = guest.get(link.removeprefix("http://hotel.localhost"))
    assert code in form.content.decode()  # the link fills the form in
    answer = guest.post(
        "/welcome/", {"login": "mail@example.com", "code": code, "password": PASSWORD}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    assert guest.get("/").wsgi_request.user.email == "mail@example.com"
    with tenant_context(hotel):
        assert EmailAddress.objects.get(email="mail@example.com").verified


def test_an_sms_invitation_proves_the_phone_and_she_signs_in_by_phone_later(
    hotel, desk, twilio, eager_tasks, django_capture_on_commit_callbacks
):
    # when the desk creates a client with only a phone and texts her the invitation
    with django_capture_on_commit_callbacks(execute=True):
        response = create(desk, phone="8 916 555-12-34", then="sms")
    assert response.status_code == 302
    (text,) = [m["Body"] for m in twilio.sms if m["To"] == "+79165551234"]
    code = re.search(r"code ([A-Z0-9]{8})", text).group(1)
    # then she redeems it with her phone, typed her way, and is in
    guest = Client(HTTP_HOST="hotel.localhost")
    answer = guest.post(
        "/welcome/", {"login": "+7 916 555 12 34", "code": code, "password": PASSWORD}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    with tenant_context(hotel):
        user = User.objects.get(phone="+79165551234")
        assert user.phone_verified
    # and next time she signs in on allauth's page with the phone and her password
    later = Client(HTTP_HOST="hotel.localhost")
    signin = later.post("/accounts/login/", {"login": "+79165551234", "password": PASSWORD})
    assert signin.status_code == 302
    assert later.get("/").wsgi_request.user.pk == user.pk


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "guest@hotel.example.com"}, "already has an account"),
        ({"email": "GUEST@hotel.example.com"}, "already has an account"),
        ({"phone": "+44 20 7946 0123"}, "already has an account"),
        ({}, "Give an email, a phone, or both."),
        ({"email": "not-an-email"}, "valid email"),
        ({"phone": "12"}, "valid phone"),
        ({"email": "x@example.com", "then": "sms"}, "needs the phone"),
        ({"phone": "+79165550000", "then": "email"}, "needs the email"),
        ({"email": "x@example.com", "then": "fax"}, "Select a valid choice"),
        ({"email": "x@example.com", "full_name": ""}, "required"),
    ],
)
def test_duplicates_and_bad_input_are_a_clear_400_and_nothing_is_created(
    hotel, desk, fields, message
):
    with tenant_context(hotel):
        existing = UserFactory(email="guest@hotel.example.com")
        ClientProfile.objects.create(user=existing, phone="+44 20 7946 0123")
        before = User.objects.count()
    response = create(desk, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(hotel):
        assert User.objects.count() == before
        assert not ClientInvitation.objects.exists()


def test_a_wrong_code_is_refused_and_repeated_tries_hit_allauths_lock(hotel, desk):
    code = slip_code(create(desk, email="locked@example.com").content.decode())
    guest = Client(HTTP_HOST="hotel.localhost")
    wrong = {"login": "locked@example.com", "code": "WRONG123", "password": PASSWORD}
    statuses = [guest.post("/welcome/", wrong).status_code for _ in range(6)]
    assert statuses[0] == 400
    assert statuses[-1] == 429
    # even the right code waits for the lock to pass
    locked = guest.post(
        "/welcome/", {"login": "locked@example.com", "code": code, "password": PASSWORD}
    )
    assert locked.status_code == 429
    with tenant_context(hotel):
        assert ClientInvitation.objects.get(user__email="locked@example.com").used_at is None


def test_a_weak_password_keeps_the_code(hotel, desk):
    code = slip_code(create(desk, email="weak@example.com").content.decode())
    guest = Client(HTTP_HOST="hotel.localhost")
    assert (
        guest.post(
            "/welcome/", {"login": "weak@example.com", "code": code, "password": "123"}
        ).status_code
        == 400
    )
    ok = guest.post("/welcome/", {"login": "weak@example.com", "code": code, "password": PASSWORD})
    assert ok.status_code == 302


def test_a_new_slip_replaces_the_old_code(hotel, desk):
    first = slip_code(create(desk, email="twice@example.com").content.decode())
    with tenant_context(hotel):
        client = ClientProfile.objects.get(user__email="twice@example.com")
    second = slip_code(
        desk.post(f"/staff/clients/{client.pk}/invite/", {"channel": "slip"}).content.decode()
    )
    guest = Client(HTTP_HOST="hotel.localhost")
    old = guest.post(
        "/welcome/", {"login": "twice@example.com", "code": first, "password": PASSWORD}
    )
    assert old.status_code == 400
    new = guest.post(
        "/welcome/", {"login": "twice@example.com", "code": second, "password": PASSWORD}
    )
    assert new.status_code == 302


def test_a_hotel_code_is_worthless_on_another_cabinet(hotel, shop, desk):
    code = slip_code(create(desk, email="traveller@example.com").content.decode())
    with tenant_context(shop):
        UserFactory(email="traveller@example.com")  # the same person, a shop customer too
    answer = Client(HTTP_HOST="shop.localhost").post(
        "/welcome/", {"login": "traveller@example.com", "code": code, "password": PASSWORD}
    )
    assert answer.status_code == 400


def test_who_may_use_the_front_desk(hotel, shop):
    with tenant_context(hotel):
        viewer = staff("viewer", role=StaffProfile.Role.VIEWER)
        operator = staff("operator")
        guest = UserFactory(email="someone@example.com")
        target = ClientProfile.objects.create(user=guest)
    # a viewer has no such permission: no link, a 403, nothing created
    as_viewer = as_(hotel, viewer)
    assert 'href="/staff/front-desk/"' not in as_viewer.get("/staff/").content.decode()
    assert as_viewer.get("/staff/front-desk/").status_code == 403
    assert create(as_viewer, email="v@example.com").status_code == 403
    # an operator has the link, but a client not theirs is a 404 for a new code
    as_operator = as_(hotel, operator)
    assert 'href="/staff/front-desk/"' in as_operator.get("/staff/").content.decode()
    assert (
        as_operator.post(f"/staff/clients/{target.pk}/invite/", {"channel": "slip"}).status_code
        == 404
    )
    # a client is no staff; the anonymous are sent to sign in
    assert as_(hotel, guest).get("/staff/front-desk/").status_code == 403
    assert Client(HTTP_HOST="hotel.localhost").get("/staff/front-desk/").status_code == 302
    # the shop's owner cannot invite the hotel's client by its id
    with tenant_context(shop):
        shop_owner = User.objects.get(email="owner@shop.example.com")
        beyond = (
            (ClientProfile.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
            + target.pk
            + 1000
        )
    shop_browser = as_(shop, shop_owner, host="shop.localhost")
    assert (
        shop_browser.post(f"/staff/clients/{beyond}/invite/", {"channel": "slip"}).status_code
        == 404
    )
    with tenant_context(hotel):
        assert not ClientInvitation.objects.exists()


def test_the_front_desk_speaks_russian_and_the_slip_speaks_the_guests_language(hotel, desk):
    desk.cookies["django_language"] = "ru"
    page = desk.get("/staff/front-desk/")
    assert page.status_code == 200
    assert "Новый клиент" in page.content.decode()
    slip = create(desk, email="anna@example.com", language="en").content.decode()
    assert "Карточка входа" in slip  # the desk's page is Russian
    assert "Your personal cabinet is ready." in slip  # the slip is in English, for her


def test_two_desks_racing_for_one_email_get_a_clear_400_not_a_500(hotel, desk, monkeypatch):
    # given another desk's insert that this one's duplicate check did not see yet
    with tenant_context(hotel):
        UserFactory(email="race@example.com")
    monkeypatch.setattr("cabinet.staff.front_desk.client_duplicate", lambda **kwargs: False)
    monkeypatch.setattr("rbac.services.client_account_duplicate", lambda **kwargs: None)
    # when this desk creates the same person
    response = create(desk, email="race@example.com")
    # then the database's constraint answers, in words
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()
    with tenant_context(hotel):
        assert User.objects.filter(email="race@example.com").count() == 1


def test_no_code_for_a_client_who_has_a_password(hotel):
    # given a client who signed up herself, and the owner who may see her
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        client = ClientProfile.objects.create(user=UserFactory(email="own@example.com"))
    browser = as_(hotel, owner)
    assert "/invite/" not in browser.get(f"/staff/clients/{client.pk}/").content.decode()
    # when staff ask for a slip anyway, then nothing is issued: a code would set her password
    response = browser.post(f"/staff/clients/{client.pk}/invite/", {"channel": "slip"}, follow=True)
    assert "already has a password" in response.content.decode()
    with tenant_context(hotel):
        assert not ClientInvitation.objects.exists()
