"""A client's address is the client's: with no proxy in front a forged X-Forwarded-For changes
nothing, and behind TRUSTED_PROXY_COUNT proxies only the hop the outermost one wrote counts — for
allauth's rate limits, DRF's throttles, the audit log and gunicorn alike."""

import importlib.util
import json
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django_tenants.utils import tenant_context

from rbac.audit import audit_record
from rbac.models import AuditEntry
from tenants.client_address import client_ip
from tests.factories import PASSWORD, UserFactory

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "docker" / "gunicorn.conf.py"


def request_from(peer: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "client"),
    [
        # no proxy: the header is the client's own writing and is ignored
        (0, "198.51.100.7", None, "198.51.100.7"),
        (0, "198.51.100.7", "1.2.3.4", "198.51.100.7"),
        (0, "198.51.100.7", "1.2.3.4, 5.6.7.8", "198.51.100.7"),
        # one proxy: the hop it appended, whatever the client wrote before it
        (1, "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "evil, 1.2.3.4,198.51.100.7", "198.51.100.7"),
        # two proxies (a CDN, then ours): the hop the outer one wrote
        (2, "10.0.0.2", "1.2.3.4, 198.51.100.7, 172.16.0.9", "198.51.100.7"),
        # fewer hops than proxies: the request came round them, so the peer is all we know
        (2, "10.0.0.2", "198.51.100.7", "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        # what proxies sometimes write, and what nobody should
        (1, "10.0.0.2", "[2001:db8::1]:4711", "2001:db8::1"),
        (1, "10.0.0.2", "198.51.100.7:4711", "198.51.100.7"),
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address(settings, proxies, peer, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request_from(peer, forwarded)) == client


def failed_sign_in(client: Client, email: str, *, peer: str, forwarded: str):
    return client.post(
        "/accounts/login/",
        {"login": email, "password": "wrong"},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_without_a_proxy_forged_addresses_do_not_escape_the_per_address_limit(
    hotel, hotel_client, settings
):
    # given: no proxy; one machine tries eleven accounts, forging a new address each time
    settings.TRUSTED_PROXY_COUNT = 0

    # when
    answers = [
        failed_sign_in(
            hotel_client, f"person{n}@example.com", peer="198.51.100.7", forwarded=f"10.1.0.{n}"
        )
        for n in range(11)
    ]

    # then: allauth's ten failures a minute per address
    assert [a.status_code for a in answers] == [400] * 10 + [429]


def test_behind_a_proxy_the_hop_it_wrote_is_the_address_limited(hotel, hotel_client, settings):
    # given: one proxy; the client forges what comes before the hop the proxy appends
    settings.TRUSTED_PROXY_COUNT = 1

    # when
    answers = [
        failed_sign_in(
            hotel_client,
            f"person{n}@example.com",
            peer="10.0.0.2",
            forwarded=f"10.1.0.{n}, 198.51.100.7",
        )
        for n in range(11)
    ]

    # then
    assert [a.status_code for a in answers] == [400] * 10 + [429]


def test_behind_a_proxy_different_clients_are_not_limited_together(hotel, hotel_client, settings):
    # given: many people behind the same proxy
    settings.TRUSTED_PROXY_COUNT = 1

    # when
    answers = [
        failed_sign_in(
            hotel_client, f"person{n}@example.com", peer="10.0.0.2", forwarded=f"198.51.100.{n}"
        )
        for n in range(12)
    ]

    # then
    assert {a.status_code for a in answers} == {400}


def test_the_token_throttle_ignores_forged_addresses(hotel, hotel_client, settings):
    # given: no proxy; the API token door allows 10 requests a minute per address
    settings.TRUSTED_PROXY_COUNT = 0

    # when: one machine, eleven forged addresses, eleven unknown people
    answers = [
        hotel_client.post(
            "/api/v1/auth/token/",
            json.dumps({"email": f"person{n}@example.com", "password": PASSWORD}),
            content_type="application/json",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"10.1.0.{n}",
        )
        for n in range(11)
    ]

    # then: DRF's throttle, keyed on the real address
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert "throttled" in answers[-1].json()["detail"]


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "recorded"),
    [(0, "198.51.100.7", "6.6.6.6", "198.51.100.7"),
     (1, "10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7")],
)  # fmt: skip
def test_the_audit_log_records_the_real_address(hotel, settings, proxies, peer, forwarded,
                                                recorded):  # fmt: skip
    settings.TRUSTED_PROXY_COUNT = proxies
    request = request_from(peer, forwarded)
    with tenant_context(hotel):
        request.session = {}
        request.user = UserFactory()

        entry = audit_record(action="login", request=request)

        assert AuditEntry.objects.get(pk=entry.pk).ip == recorded


def test_sessions_list_the_real_address(hotel, settings):
    # given: one proxy; a person signs in with a forged address before the proxy's hop
    settings.TRUSTED_PROXY_COUNT = 1
    from allauth.usersessions.models import UserSession

    with tenant_context(hotel):
        person = UserFactory(email="guest@hotel.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")

    # when
    browser.post(
        "/accounts/login/",
        {"login": person.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )

    # then
    with tenant_context(hotel):
        assert list(UserSession.objects.filter(user=person).values_list("ip", flat=True)) == [
            "198.51.100.7"
        ]


def load_gunicorn_conf(monkeypatch, **environment: str):
    for name in ("TRUSTED_PROXY_COUNT", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", GUNICORN_CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_trusts_no_forwarded_headers_without_a_proxy(monkeypatch):
    assert load_gunicorn_conf(monkeypatch).forwarded_allow_ips == ""
    conf = load_gunicorn_conf(monkeypatch, FORWARDED_ALLOW_IPS="*")
    assert conf.forwarded_allow_ips == ""


def test_gunicorn_trusts_the_proxies_addresses_behind_a_proxy(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, TRUSTED_PROXY_COUNT="1", FORWARDED_ALLOW_IPS="10.0.0.2")
    assert conf.forwarded_allow_ips == "10.0.0.2"
