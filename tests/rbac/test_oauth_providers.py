"""Sign-in providers are each cabinet's own: the owner adds an OpenID Connect issuer with their
client id and secret, clients sign in, link and unlink it. allauth's real OIDC client runs
against a local fake identity provider."""

import pytest
import requests
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client
from django_tenants.utils import tenant_context

from rbac import oauth
from rbac.models import AuditEntry, SecurityPolicy, User
from tenants import egress
from tests.factories import PASSWORD, UserFactory
from tests.support.fake_oidc import CLIENT_ID, CLIENT_SECRET, fake_oidc
from tests.support.sign_in import reauthenticated


@pytest.fixture
def idp(settings):
    settings.OAUTH_ALLOW_PRIVATE_ISSUERS = True
    with fake_oidc() as fake:
        yield fake


@pytest.fixture
def owner_client(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))
    return hotel_client


def add_provider(client: Client, idp, **fields) -> object:
    data = {"preset": "", "name": "Company ID", "server_url": idp.url,
            "client_id": CLIENT_ID, "secret": CLIENT_SECRET, **fields}  # fmt: skip
    return client.post("/staff/sign-in/", data)


def a_provider(tenant, idp, provider_id: str = "company-id") -> SocialApp:
    with tenant_context(tenant):
        return SocialApp.objects.create(
            provider="openid_connect", provider_id=provider_id, name="Company ID",
            client_id=CLIENT_ID, secret=CLIENT_SECRET, settings={"server_url": idp.url},
        )  # fmt: skip


def through_the_provider(client: Client, idp, provider_id: str = "company-id", **params):
    """Press the button, let the provider approve, come back: the cabinet's last answer."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    start = client.post(f"/accounts/oidc/{provider_id}/login/?{query}")
    assert start.status_code == 302, start.content.decode()[:300]
    assert start["Location"].startswith(idp.url + "/authorize")
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = back.headers["Location"]
    return client.get("/" + callback.split("/", 3)[3])


def test_the_owner_adds_a_provider_and_clients_see_its_button(hotel, owner_client, idp):
    response = add_provider(owner_client, idp)
    assert response.status_code == 302
    with tenant_context(hotel):
        app = SocialApp.objects.get()
        assert (app.provider_id, app.settings["server_url"]) == ("company-id", idp.url)
        assert AuditEntry.objects.filter(action="oauth.provider_added").exists()
    page = Client(HTTP_HOST="hotel.localhost").get("/accounts/login/").content.decode()
    assert "Continue with Company ID" in page
    assert "/accounts/oidc/company-id/login/" in page


def test_a_preset_needs_only_the_client_id_and_secret(hotel, owner_client, idp, monkeypatch):
    monkeypatch.setitem(oauth.PRESETS, "google", oauth.Preset("Google", idp.url))
    response = add_provider(owner_client, idp, preset="google", name="", server_url="")
    assert response.status_code == 302
    with tenant_context(hotel):
        assert SocialApp.objects.get().name == "Google"


def test_a_new_client_signs_in_with_the_provider(hotel, idp):
    a_provider(hotel, idp)
    idp.next_identity = idp.identity_for("maria@idp.example.com", "Maria Lopez")
    browser = Client(HTTP_HOST="hotel.localhost")
    response = through_the_provider(browser, idp)
    assert response.status_code == 302
    assert "_auth_user_id" in browser.session
    with tenant_context(hotel):
        user = User.objects.get(email="maria@idp.example.com")
        assert (user.full_name, user.is_staff) == ("Maria Lopez", False)
        assert SocialAccount.objects.get(user=user).uid == "sub-maria@idp.example.com"
    (token_request,) = idp.token_requests
    assert token_request["client_secret"] == CLIENT_SECRET


def test_the_provider_never_takes_over_an_existing_account_by_email(hotel, idp):
    a_provider(hotel, idp)
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com")
    idp.next_identity = idp.identity_for("guest@hotel.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")
    through_the_provider(browser, idp)
    assert "_auth_user_id" not in browser.session
    with tenant_context(hotel):
        assert not SocialAccount.objects.exists()


def test_a_client_links_the_provider_then_removes_it(hotel, hotel_client, idp):
    a_provider(hotel, idp)
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    reauthenticated(hotel_client)
    idp.next_identity = idp.identity_for("someone.else@idp.example.com")
    through_the_provider(hotel_client, idp, process="connect")
    with tenant_context(hotel):
        account = SocialAccount.objects.get(user=guest)
    page = hotel_client.get("/account/").content.decode()
    assert "Company ID" in page
    # signing out and back in with the provider reaches the same account
    browser = Client(HTTP_HOST="hotel.localhost")
    idp.next_identity = idp.identity_for("someone.else@idp.example.com")
    through_the_provider(browser, idp)
    assert browser.session["_auth_user_id"] == str(guest.pk)
    response = hotel_client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 302
    with tenant_context(hotel):
        assert not SocialAccount.objects.filter(user=guest).exists()


def test_hotel_providers_do_not_exist_on_shop(hotel, shop, shop_client, idp):
    a_provider(hotel, idp)
    assert "Company ID" not in shop_client.get("/accounts/login/").content.decode()
    assert shop_client.post("/accounts/oidc/company-id/login/").status_code == 404


def test_a_hotel_callback_is_useless_on_shop(hotel, shop, shop_client, idp):
    a_provider(hotel, idp)
    a_provider(shop, idp)
    idp.next_identity = idp.identity_for("maria@idp.example.com")
    hotel_browser = Client(HTTP_HOST="hotel.localhost")
    start = hotel_browser.post("/accounts/oidc/company-id/login/")
    callback = requests.get(start["Location"], allow_redirects=False, timeout=5)
    path = "/" + callback.headers["Location"].split("/", 3)[3]
    shop_client.get(path)  # the state belongs to the hotel browser's session
    assert "_auth_user_id" not in shop_client.session
    with tenant_context(shop):
        assert not User.objects.filter(email="maria@idp.example.com").exists()


def test_an_invitation_only_cabinet_creates_nobody_through_a_provider(hotel, idp):
    a_provider(hotel, idp)
    with tenant_context(hotel):
        SecurityPolicy.objects.create(registration=SecurityPolicy.Registration.INVITATION)
    idp.next_identity = idp.identity_for("maria@idp.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")
    through_the_provider(browser, idp)
    assert "_auth_user_id" not in browser.session
    with tenant_context(hotel):
        assert not User.objects.filter(email="maria@idp.example.com").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"server_url": "not a url"}, "starting with https://"),
        ({"server_url": "ftp://id.example.com"}, "starting with https://"),
        ({"server_url": "javascript:alert(1)"}, "starting with https://"),
        ({"name": ""}, "Give the button a name"),
        ({"client_id": ""}, "This field is required"),
        ({"client_id": "x" * 500}, "at most 191 characters"),
        ({"name": "<script>alert(1)</script>" * 3}, "at most 40 characters"),
    ],
)
def test_bad_provider_settings_are_refused_and_nothing_is_saved(
    hotel, owner_client, idp, fields, message
):
    response = add_provider(owner_client, idp, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>alert" not in response.content.decode()
    with tenant_context(hotel):
        assert not SocialApp.objects.exists()


def test_an_issuer_that_does_not_answer_is_refused(hotel, owner_client, idp):
    response = add_provider(owner_client, idp, server_url=idp.url + "/nothing-here")
    assert response.status_code == 400
    assert "instead of its OpenID configuration" in response.content.decode()
    with tenant_context(hotel):
        assert not SocialApp.objects.exists()


def test_private_addresses_are_refused_in_production(hotel, owner_client, idp, settings):
    settings.OAUTH_ALLOW_PRIVATE_ISSUERS = False
    for url in ("https://127.0.0.1", "https://10.0.0.5", "https://localhost", idp.url):
        response = add_provider(owner_client, idp, server_url=url)
        assert response.status_code == 400
    with tenant_context(hotel):
        assert not SocialApp.objects.exists()


def test_only_the_owner_manages_providers(hotel, hotel_client, idp):
    with tenant_context(hotel):
        staff = UserFactory(is_staff=True)
        hotel_client.force_login(staff)
    assert hotel_client.get("/staff/sign-in/").status_code == 403
    assert add_provider(hotel_client, idp).status_code == 403
    with tenant_context(hotel):
        assert not SocialApp.objects.exists()


def test_the_owner_removes_a_provider(hotel, owner_client, idp):
    app = a_provider(hotel, idp)
    response = owner_client.post(f"/staff/sign-in/{app.pk}/remove/")
    assert response.status_code == 302
    with tenant_context(hotel):
        assert not SocialApp.objects.exists()
        assert AuditEntry.objects.filter(action="oauth.provider_removed").exists()


# --- The egress guard: the issuer and every endpoint its discovery names ---------------------


@pytest.mark.parametrize(
    "endpoint", ["http://169.254.169.254/latest/meta-data/iam", "http://10.0.0.5/token"]
)
def test_a_token_endpoint_inside_our_network_is_never_called(hotel, idp, monkeypatch, endpoint):
    # given an issuer (allowed on loopback, as in development) whose discovery names an
    # internal token endpoint
    a_provider(hotel, idp)
    config = {**idp.discovery(), "token_endpoint": endpoint}
    monkeypatch.setattr(idp, "discovery", lambda: config)
    refused: list[str] = []
    real_send = egress.GuardedAdapter.send

    def spy(adapter, request, *args, **kwargs):
        try:
            return real_send(adapter, request, *args, **kwargs)
        except egress.EgressRefused:
            refused.append(request.url)
            raise

    monkeypatch.setattr(egress.GuardedAdapter, "send", spy)
    idp.next_identity = idp.identity_for("maria@idp.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")

    # when a client signs in with it
    response = through_the_provider(browser, idp)

    # then the token request went to the guard, which refused it; the sign-in failed cleanly
    assert refused == [endpoint]
    assert idp.token_requests == []
    assert response.status_code < 500
    assert "_auth_user_id" not in browser.session
    with tenant_context(hotel):
        assert not User.objects.filter(email="maria@idp.example.com").exists()


def test_allauths_requests_go_through_the_guard(hotel):
    from allauth.socialaccount.adapter import get_adapter

    with get_adapter().get_requests_session() as session:
        assert isinstance(session.get_adapter("https://id.example.com/"), egress.GuardedAdapter)


def test_an_oversized_discovery_document_is_refused(hotel, owner_client, idp, monkeypatch):
    config = {**idp.discovery(), "padding": "x" * (oauth.DISCOVERY_MAX_BYTES + 1)}
    monkeypatch.setattr(idp, "discovery", lambda: config)
    response = add_provider(owner_client, idp)
    assert response.status_code == 400
    assert "larger than 64 KB" in response.content.decode()
    with tenant_context(hotel):
        assert not SocialApp.objects.exists()


@pytest.mark.parametrize(
    "fault", ["bad_signature", "wrong_kid", "alg_none", "hs256_with_public_key"]
)
def test_an_id_token_with_a_bad_signature_signs_nobody_in(hotel, idp, fault):
    # given: the provider answers the token request itself (where allauth skips the
    # signature), with an ID token whose signature is wrong in one way
    a_provider(hotel, idp)
    idp.id_token_fault = fault
    idp.next_identity = idp.identity_for("maria@idp.example.com", "Maria Lopez")

    # when: a client comes back through it
    browser = Client(HTTP_HOST="hotel.localhost")
    response = through_the_provider(browser, idp)

    # then: nobody is signed in and no account is made
    assert response.status_code == 401  # allauth's "sign-in failed" page
    assert "_auth_user_id" not in browser.session
    with tenant_context(hotel):
        assert not User.objects.filter(email="maria@idp.example.com").exists()
        assert not SocialAccount.objects.exists()


def test_the_issuers_keys_are_fetched_through_the_guard_once_an_hour(hotel, idp, monkeypatch):
    # given: a provider, and the guard's session counted
    a_provider(hotel, idp)
    sessions = []
    real = oauth.provider_session
    monkeypatch.setattr("rbac.oidc.provider_session", lambda: sessions.append(1) or real())

    # when: two clients sign in through it
    for email in ("one@idp.example.com", "two@idp.example.com"):
        idp.next_identity = idp.identity_for(email)
        browser = Client(HTTP_HOST="hotel.localhost")
        through_the_provider(browser, idp)
        assert "_auth_user_id" in browser.session

    # then: the key set was fetched once, through the egress guard
    assert idp.jwks_requests == 1
    assert sessions == [1]
