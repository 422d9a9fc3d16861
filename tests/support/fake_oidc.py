"""A local OpenID Connect identity provider: discovery, an authorize page, token, userinfo and
JWKS endpoints, so allauth's real OIDC client runs against it. A test sets `next_identity` and the
authorize endpoint signs that person in at once; without it (`make run`) a small form asks for
an email address and a name. ID tokens are signed RS256 with a key of its own, published in its
JWKS; `id_token_fault` makes the next ones wrong ("bad_signature", "wrong_kid", "alg_none",
"hs256_with_public_key") to show that the cabinet refuses them."""

import html
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.fake_server import FakeService, QuietHandler, serving

CLIENT_ID = "kabinet-test-client"
CLIENT_SECRET = "kabinet-test-secret-of-thirty-two-bytes"


class FakeOidc(FakeService):
    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.next_identity: dict | None = None
        self.codes: dict[str, dict] = {}  # code -> the identity and nonce it stands for
        self.tokens: dict[str, dict] = {}  # access token -> identity
        self.token_requests: list[dict] = []
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-oidc-1"
        self.id_token_fault = ""
        self.jwks_requests = 0

    def identity_for(self, email: str, name: str = "") -> dict:
        return {"sub": "sub-" + email, "email": email, "email_verified": True, "name": name}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def reply(self, status: int, payload: object, headers: dict | None = None) -> None:
                body = (
                    payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                )
                self.send_response(status)
                kind = "text/html" if isinstance(payload, str) else "application/json"
                self.send_header("Content-Type", kind)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                if path == "/.well-known/openid-configuration":
                    return self.reply(200, fake.discovery())
                if path == "/jwks":
                    fake.jwks_requests += 1
                    return self.reply(200, fake.jwks())
                if path == "/authorize":
                    if query.get("client_id") != fake.client_id:
                        return self.reply(400, "<p>unknown client_id</p>")
                    if fake.next_identity is None:
                        return self.reply(200, fake.authorize_page(query))
                    identity, fake.next_identity = fake.next_identity, None
                    return self.reply(302, "", {"Location": fake.approve(query, identity)})
                if path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in fake.tokens:
                        return self.reply(401, {"error": "invalid_token"})
                    return self.reply(200, fake.tokens[token])
                return self.reply(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlsplit(self.path).path
                if path == "/authorize":  # the make-run form
                    identity = fake.identity_for(form.get("email", ""), form.get("name", ""))
                    return self.reply(302, "", {"Location": fake.approve(form, identity)})
                if path == "/token":
                    fake.token_requests.append(form)
                    if (form.get("client_id"), form.get("client_secret")) != (
                        fake.client_id, fake.client_secret,
                    ):  # fmt: skip
                        return self.reply(401, {"error": "invalid_client"})
                    grant = fake.codes.pop(form.get("code", ""), None)
                    if grant is None:
                        return self.reply(400, {"error": "invalid_grant"})
                    return self.reply(200, fake.token_response(grant))
                return self.reply(404, {"error": "not_found"})

        return Handler

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def approve(self, query: dict, identity: dict) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"identity": identity, "nonce": query.get("nonce")}
        back = {"code": code, "state": query.get("state", "")}
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def token_response(self, grant: dict) -> dict:
        identity, now = grant["identity"], int(time.time())
        claims = {**identity, "iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300}
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        access = secrets.token_urlsafe(16)
        self.tokens[access] = identity
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(claims),
        }

    def jwks(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.signing_key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, claims: dict) -> str:
        """The ID token for `claims`: signed with the published key, or wrong as told."""
        fault, headers = self.id_token_fault, {"kid": self.kid}
        if fault == "alg_none":
            return jwt.encode(claims, None, algorithm="none", headers=headers)
        if fault == "hs256_with_public_key":  # the classic algorithm confusion
            public_pem = self.signing_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return _hs256_unchecked(claims, public_pem, headers)
        if fault == "wrong_kid":
            headers = {"kid": "someone-elses-key"}
        key = self.signing_key
        if fault == "bad_signature":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)

    def authorize_page(self, query: dict) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        return (
            "<!doctype html><meta name=viewport content='width=device-width'>"
            "<title>Demo ID</title><body style='font-family:sans-serif;max-width:24rem;"
            "margin:2rem auto'><h1>Demo ID</h1><p>A local stand-in for an identity provider."
            f"</p><form method=post action=/authorize>{hidden}"
            "<p><label>Email<br><input name=email type=email required></label></p>"
            "<p><label>Name<br><input name=name></label></p>"
            "<button type=submit>Continue</button></form></body>"
        )


def _hs256_unchecked(claims: dict, secret: bytes, headers: dict) -> str:
    """An HS256 token keyed with `secret` even when it is a PEM public key (PyJWT refuses to
    make one; an attacker does not ask PyJWT)."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", **headers}).encode())
    payload = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac)}"


@contextmanager
def fake_oidc() -> Iterator[FakeOidc]:
    with serving(FakeOidc()) as fake:
        yield fake


def main() -> None:
    """`python -m tests.support.fake_oidc --port N`: an identity provider for `make run`."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=12113)
    args = parser.parse_args()
    fake = FakeOidc()
    fake.server = ThreadingHTTPServer(("127.0.0.1", args.port), fake.handler())
    with suppress(KeyboardInterrupt):
        fake.server.serve_forever()


if __name__ == "__main__":
    main()
