"""The egress guard (tenants.egress): one lookup per connection and the connection pinned to the
address checked, so DNS rebinding gets nowhere; private, loopback, link-local and metadata
addresses refused, on every redirect too; TLS still checks the host name; answers capped in size
and time. Local fake servers on 127.0.0.1 and a resolver the tests control; no network."""

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError

from tenants import egress
from tests.support.fake_server import FakeService, QuietHandler, serving
from tests.support.getaddrinfo import ScriptedResolver

PUBLIC = "93.184.216.34"


class Origin(FakeService):
    """Answers by path: /ok, /big (a body of ?n bytes, with or without Content-Length), /drip
    (a byte every 0.2 s), /to?url (a 302 there). Records the Host header of each request."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake.hosts.append(self.headers.get("Host", ""))
                path, _, query = self.path.partition("?")
                if path == "/ok":
                    return self._answer(200, b'{"ok": true}')
                if path == "/to":
                    self.send_response(302)
                    self.send_header("Location", unquote(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if path in ("/big", "/big-chunked"):
                    size = int(query or "0")
                    self.send_response(200)
                    if path == "/big":
                        self.send_header("Content-Length", str(size))
                    else:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    for _ in range(size // 4096):
                        self.wfile.write(b"x" * 4096)
                    return None
                if path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.2)
                    return None
                return self._answer(404, b"{}")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def origin() -> Iterator[Origin]:
    with serving(Origin()) as fake:
        yield fake


@pytest.fixture
def dns(monkeypatch) -> ScriptedResolver:
    resolver = ScriptedResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


@pytest.fixture
def connects(monkeypatch) -> list[str]:
    """Where the guard tried to connect; nothing is actually connected."""
    attempts: list[str] = []

    def refuse(address, *args, **kwargs):
        attempts.append(address[0])
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    return attempts


# --- The address rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "169.254.1.1",
        "100.64.0.1", "0.0.0.0",  # noqa: S104
        "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1",
        "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:10.0.0.1",
        "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a00:1::", "100.100.100.200",
    ],
)  # fmt: skip
def test_internal_addresses_are_refused(address):
    assert egress.address_refusal(ipaddress.ip_address(address), allow_private=False)


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert egress.address_refusal(ipaddress.ip_address(address), allow_private=False) is None


def test_the_development_switch_lets_loopback_through_but_never_metadata_or_private_networks():
    def refused(a: str) -> bool:
        return bool(egress.address_refusal(ipaddress.ip_address(a), allow_private=True))

    assert [refused(a) for a in ("127.0.0.1", "::1")] == [False, False]
    assert [refused(a) for a in ("169.254.169.254", "fd00:ec2::254", "10.0.0.1")] == [True] * 3


# --- Resolving once, connecting to what was checked ---------------------------------------------


def test_a_name_that_rebinds_to_a_private_address_is_refused_at_connect_time(dns, origin):
    # given a name that answers a public address first and our own machine next
    port = origin.server.server_address[1]
    dns.answers["rebind.example"] = [PUBLIC, "127.0.0.1"]
    egress.refuse_private_host("rebind.example", port=port)  # the form's check sees the public one

    # when the server connects
    with (
        egress.session(allow_private=False) as http,
        pytest.raises(egress.EgressRefused, match=r"127\.0\.0\.1"),
    ):
        http.get(f"https://rebind.example:{port}/ok")

    # then it was refused before connecting: our loopback service heard nothing
    assert origin.hosts == []
    assert dns.lookups == ["rebind.example", "rebind.example"]


def test_the_connection_goes_to_the_address_that_was_checked(dns, connects):
    # given a name answering a public address, then a private one to any later lookup
    dns.answers["pinned.example"] = [PUBLIC, "10.0.0.7"]

    # when the server connects
    with egress.session(allow_private=False) as http, pytest.raises(requests.ConnectionError):
        http.get("https://pinned.example/ok")

    # then the name was looked up once and the connection went to that address, not the name
    assert dns.lookups == ["pinned.example"]
    assert connects == [PUBLIC]


def test_one_lookup_per_request_and_the_host_header_keeps_the_name(dns, origin):
    port = origin.server.server_address[1]
    dns.answers["fake.example"] = ["127.0.0.1", "10.0.0.7"]

    with egress.session(allow_private=True) as http:
        response = http.get(f"http://fake.example:{port}/ok")

    assert response.json() == {"ok": True}
    assert dns.lookups == ["fake.example"]
    assert origin.hosts == [f"fake.example:{port}"]


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/", "https://[::1]/", "https://169.254.169.254/"]
)
def test_address_literals_inside_are_refused(url, connects):
    with egress.session(allow_private=False) as http, pytest.raises(egress.EgressRefused):
        http.get(url)
    assert connects == []


def test_plain_http_is_refused_in_production(connects):
    with egress.session(allow_private=False) as http, pytest.raises(egress.EgressRefused):
        http.get(f"http://{PUBLIC}/")
    assert connects == []


def test_the_form_check_refuses_a_name_with_any_internal_address(dns):
    dns.answers["split.example"] = ["10.0.0.1"]
    with pytest.raises(ValidationError) as refused:
        egress.refuse_private_host("split.example")
    assert refused.value.code == "private"


# --- Redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[fd00:ec2::254]/"],
)
def test_a_redirect_to_an_internal_address_is_refused(origin, target):
    # given a server allowed to reach the local fake (development), which redirects inside
    # when the redirect is followed, then the hop is checked again and refused
    with (
        egress.session(allow_private=True, follow_redirects=True) as http,
        pytest.raises(egress.EgressRefused),
    ):
        http.get(f"{origin.url}/to?{target}")
    assert len(origin.hosts) == 1  # the first hop only


def test_a_redirect_through_a_name_that_rebinds_is_refused(origin, dns):
    dns.answers["hop.example"] = ["10.9.9.9"]
    with (
        egress.session(allow_private=True, follow_redirects=True) as http,
        pytest.raises(egress.EgressRefused, match=r"10\.9\.9\.9"),
    ):
        http.get(f"{origin.url}/to?http://hop.example/")


def test_redirects_are_not_followed_unless_the_caller_needs_them(origin):
    with egress.session(allow_private=True) as http:
        response = http.get(f"{origin.url}/to?{origin.url}/ok")
    assert response.status_code == 302
    assert origin.hosts == [origin.url.removeprefix("http://")]


def test_a_good_redirect_is_followed_when_wanted(origin):
    with egress.session(allow_private=True, follow_redirects=True) as http:
        response = http.get(f"{origin.url}/to?{origin.url}/ok")
    assert response.json() == {"ok": True}
    assert len(response.history) == 1


# --- Size and time ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_an_answer_over_the_size_cap_is_refused(origin, path):
    with (
        egress.session(allow_private=True, max_bytes=64 * 1024) as http,
        pytest.raises(egress.ResponseTooLarge),
    ):
        http.get(f"{origin.url}{path}?{1024 * 1024}")


def test_an_answer_under_the_size_cap_is_read_whole(origin):
    with egress.session(allow_private=True, max_bytes=64 * 1024) as http:
        response = http.get(f"{origin.url}/big-chunked?{32 * 1024}")
    assert len(response.content) == 32 * 1024
    assert b"".join(response.iter_content(1024)) == response.content


def test_a_slow_drip_is_cut_at_the_time_cap(origin):
    # each byte comes well within the read timeout; the whole answer would take 20 s
    started = time.monotonic()
    with (
        egress.session(allow_private=True, timeout=1.0) as http,
        pytest.raises(egress.ResponseTooSlow),
    ):
        http.get(f"{origin.url}/drip")
    assert time.monotonic() - started < 3


# --- TLS ------------------------------------------------------------------------------------


def test_the_pinned_connection_verifies_tls_on_the_host_name(dns):
    dns.answers["tls.example"] = [PUBLIC]
    adapter = egress.GuardedAdapter(https=True, allow_private=False, max_bytes=1024, timeout=5)
    request = requests.Request("GET", "https://tls.example/x").prepare()

    host_params, pool_kwargs = adapter.build_connection_pool_key_attributes(request, True)

    assert host_params["host"] == PUBLIC
    assert pool_kwargs["server_hostname"] == "tls.example"
    assert pool_kwargs["assert_hostname"] == "tls.example"
    assert pool_kwargs["cert_reqs"] == "CERT_REQUIRED"


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_origin(tmp_path) -> Iterator[tuple[int, Path, list[str]]]:
    """An https server on 127.0.0.1 whose certificate names `tls.example` only; it records the
    SNI name each client sent."""
    cert_path, key_path = _certificate(tmp_path, "tls.example")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    names: list[str] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Origin().handler())
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], cert_path, names
    finally:
        server.shutdown()
        server.server_close()


def test_tls_reaches_the_pinned_address_with_the_name_in_sni_and_the_certificate(dns, tls_origin):
    port, ca, names = tls_origin
    dns.answers["tls.example"] = ["127.0.0.1"]
    dns.answers["impostor.example"] = ["127.0.0.1"]

    with egress.session(allow_private=True) as http:
        assert http.get(f"https://tls.example:{port}/ok", verify=str(ca)).json() == {"ok": True}
        # the same address under a name the certificate does not carry is refused
        with pytest.raises(requests.exceptions.SSLError):
            http.get(f"https://impostor.example:{port}/ok", verify=str(ca))

    assert names[0] == "tls.example"
