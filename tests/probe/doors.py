"""Sign-in doors probe: every way into a cabinet, hammered as an attacker would, from a new
forwarded address on every request, against a running gunicorn.

    python -m tests.probe.doors        (its own scratch database and server)
    tests.probe.doors.run()            (inside another probe whose Django is set up: it seeds
                                        its cabinet there and starts its own server on it)

The server runs as production does behind one proxy (DEBUG off, TRUSTED_PROXY_COUNT=1), and the
probe writes that proxy's hop itself, a new address each time: the worst case, in which no
per-address limit can help and only the per-account lockout stands. For each door an account's
credential is guessed ROUNDS times, then the right one is sent. A "success" is a credential
obtained (a session that `/api/v1/me/` accepts, or a token) after the guesses, or more than
FAILURES_ALLOWED wrong guesses accepted for one account (answered as a wrong guess rather than
refused as locked). `run` returns door -> (attempts, successes); `main` prints them and exits 1
on any success.
"""

import contextlib
import io
import itertools
import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.bench.harness import (
    BenchError,
    bench_env,
    drop_database,
    gunicorn,
    recreate_database,
    say,
    server_url,
)

DATABASE = "kabinet_doors_probe"
SLUG = "doors-probe"
HOST = f"{SLUG}.localhost"
ROUNDS = 12
FAILURES_ALLOWED = 10
PASSWORD = "probe-horse-battery-staple"
TIMEOUT = 10

Result = tuple[int, int]


@dataclass
class Cabinet:
    """The seeded cabinet: for each door its own client (one door's lockout must not hide
    another's), with an authenticator app where the door is its second step; a sign-in
    provider."""

    victims: dict[str, str]
    totp_secret: str
    provider_id: str
    mail_dir: Path
    door: str = ""

    @property
    def victim(self) -> str:
        return self.victims[self.door]

    guarded = victim


def seed() -> Cabinet:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.socialaccount.models import SocialApp
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from rbac.services import client_create
    from tenants.models import Tenant, TenantStatus
    from tenants.services import OwnerSpec, tenant_provision

    tenant = Tenant.objects.filter(schema_name=SLUG.replace("-", "_")).first()
    tenant = tenant or tenant_provision(
        slug=SLUG, name="Doors probe", vertical="hotel", status=TenantStatus.ACTIVE,
        owner=OwnerSpec(email=f"owner@{SLUG}.example.com", password=secrets.token_urlsafe(16),
                        email_verified=True),
    )  # fmt: skip
    tag = secrets.token_hex(3)
    secret = generate_totp_secret()
    victims = {}
    with tenant_context(tenant):
        for n, door in enumerate(DOORS):
            person = client_create(
                email=f"victim-{n}-{tag}@example.com", password=PASSWORD, email_verified=True
            )
            if "second factor" in door:
                TOTP.activate(person, secret)
            victims[door] = person.email
        # A provider at an address nothing answers on: a forged callback must fail before any
        # request would be made.
        SocialApp.objects.get_or_create(
            provider="openid_connect", provider_id="probe-id",
            defaults={"name": "Probe ID", "client_id": "probe", "secret": "probe",
                      "settings": {"server_url": "http://127.0.0.1:9"}},
        )  # fmt: skip
    return Cabinet(
        victims=victims,
        totp_secret=secret,
        provider_id="probe-id",
        mail_dir=Path(settings.EMAIL_FILE_PATH),
    )


# --- Talking to the server as an attacker ---------------------------------------------------------

_addresses = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


class Visitor:
    """One browser (its own cookies) whose every request arrives through the proxy from a new
    address."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["Host"] = HOST

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"X-Forwarded-For": next(_addresses), **(extra or {})}

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, headers=self._headers(), allow_redirects=False,
                             timeout=TIMEOUT)  # fmt: skip

    def post_form(self, path: str, data: dict[str, str]) -> requests.Response:
        if "csrftoken" not in self.http.cookies:
            self.get(path)
        data = {"csrfmiddlewaretoken": self.http.cookies.get("csrftoken", ""), **data}
        return self.http.post(self.base + path, data=data, allow_redirects=False,
                              headers=self._headers({"Referer": self.base + path}),
                              timeout=TIMEOUT)  # fmt: skip

    def post_json(self, path: str, body: dict[str, str]) -> requests.Response:
        return self.http.post(self.base + path, json=body, headers=self._headers(),
                              allow_redirects=False, timeout=TIMEOUT)  # fmt: skip

    def signed_in(self, token: str | None = None) -> bool:
        headers = self._headers({"Authorization": f"Token {token}"} if token else None)
        answer = self.http.get(self.base + "/api/v1/me/", headers=headers, timeout=TIMEOUT)
        return answer.status_code == 200


def _verdict(accepted_failures: int, obtained: bool) -> int:
    return int(accepted_failures > FAILURES_ALLOWED) + int(obtained)


def _current_code(secret: str) -> str:
    from tests.support.totp import current_code

    return current_code(secret)


# --- The doors ------------------------------------------------------------------------------------


def door_sign_in_page(base: str, cabinet: Cabinet, rounds: int) -> Result:
    accepted = 0
    for n in range(rounds):
        answer = Visitor(base).post_form(
            "/accounts/login/", {"login": cabinet.victim, "password": f"guess-{n}"}
        )
        accepted += answer.status_code == 400
    visitor = Visitor(base)
    visitor.post_form("/accounts/login/", {"login": cabinet.victim, "password": PASSWORD})
    return rounds + 1, _verdict(accepted, visitor.signed_in())


def door_api_token(base: str, cabinet: Cabinet, rounds: int) -> Result:
    accepted = 0
    for n in range(rounds):
        answer = Visitor(base).post_json(
            "/api/v1/auth/token/", {"email": cabinet.victim, "password": f"guess-{n}"}
        )
        accepted += answer.status_code == 401
    visitor = Visitor(base)
    answer = visitor.post_json(
        "/api/v1/auth/token/", {"email": cabinet.victim, "password": PASSWORD}
    )
    token = answer.json().get("token") if answer.status_code == 200 else None
    return rounds + 1, _verdict(accepted, bool(token) and visitor.signed_in(token))


def door_api_token_second_factor(base: str, cabinet: Cabinet, rounds: int) -> Result:
    """The password is known (phished); the authenticator code is guessed."""
    accepted = 0
    right = _current_code(cabinet.totp_secret)
    for n in range(rounds):
        guess = f"{n:06d}" if f"{n:06d}" != right else "999999"
        answer = Visitor(base).post_json(
            "/api/v1/auth/token/",
            {"email": cabinet.guarded, "password": PASSWORD, "code": guess},
        )
        accepted += answer.status_code == 401
    visitor = Visitor(base)
    answer = visitor.post_json(
        "/api/v1/auth/token/",
        {"email": cabinet.guarded, "password": PASSWORD,
         "code": _current_code(cabinet.totp_secret)},
    )  # fmt: skip
    token = answer.json().get("token") if answer.status_code == 200 else None
    return rounds + 1, _verdict(accepted, bool(token) and visitor.signed_in(token))


def door_sign_in_page_second_factor(base: str, cabinet: Cabinet, rounds: int) -> Result:
    """The password is known; the second step's code is guessed, a new browser each time."""
    accepted = attempts = 0
    for n in range(rounds):
        visitor = Visitor(base)
        first = visitor.post_form(
            "/accounts/login/", {"login": cabinet.guarded, "password": PASSWORD}
        )
        attempts += 1
        if first.status_code != 302:
            continue
        answer = visitor.post_form("/accounts/2fa/authenticate/", {"code": f"{n:06d}"})
        attempts += 1
        accepted += answer.status_code == 400
    visitor = Visitor(base)
    visitor.post_form("/accounts/login/", {"login": cabinet.guarded, "password": PASSWORD})
    visitor.post_form("/accounts/2fa/authenticate/", {"code": _current_code(cabinet.totp_secret)})
    return attempts + 2, _verdict(accepted, visitor.signed_in())


def _newest_code(mail_dir: Path, after: float) -> str | None:
    sent = (
        [p for p in mail_dir.glob("*.log") if p.stat().st_mtime >= after]
        if mail_dir.exists()
        else []
    )
    for message in sorted(sent, key=lambda p: p.stat().st_mtime, reverse=True):
        found = re.search(r"\b(\d{6})\b", message.read_text(errors="replace"))
        if found:
            return found.group(1)
    return None


def door_login_code(base: str, cabinet: Cabinet, rounds: int) -> Result:
    """Codes by email: ask for one, answer it wrongly (allauth allows three per code), again,
    until more than FAILURES_ALLOWED wrong codes were accepted or asking is refused even after
    a minute (allauth lets a person ask three times a minute, so the old door let a fourth code,
    and an eleventh wrong answer, through once the minute was over)."""
    accepted = attempts = 0
    waited = False
    while accepted <= FAILURES_ALLOWED and attempts < 4 * rounds:
        visitor = Visitor(base)
        asked = visitor.post_form("/accounts/login/code/", {"email": cabinet.victim})
        attempts += 1
        if asked.status_code != 302:
            if waited:
                break
            time.sleep(61)
            waited = True
            continue
        for _guess in range(3):
            answer = visitor.post_form("/accounts/login/code/confirm/", {"code": "000000"})
            attempts += 1
            accepted += answer.status_code == 400
    # Then the real code, read from the mailbox, as the attacker never could: is it still a way
    # in after the guesses?
    visitor = Visitor(base)
    started = time.time() - 1
    asked = visitor.post_form("/accounts/login/code/", {"email": cabinet.victim})
    code = _newest_code(cabinet.mail_dir, started) if asked.status_code == 302 else None
    if code:
        visitor.post_form("/accounts/login/code/confirm/", {"code": code})
    return attempts + 2, _verdict(accepted, visitor.signed_in())


def door_passkey(base: str, cabinet: Cabinet, rounds: int) -> Result:
    obtained = False
    for n in range(rounds):
        visitor = Visitor(base)
        visitor.get("/accounts/2fa/webauthn/login/")
        forged = json.dumps({"id": f"forged-{n}", "rawId": f"forged-{n}", "type": "public-key",
                             "response": {"clientDataJSON": "e30", "authenticatorData": "AA",
                                          "signature": "AA", "userHandle": "MQ"}})  # fmt: skip
        visitor.post_form("/accounts/2fa/webauthn/login/", {"credential": forged})
        obtained = obtained or visitor.signed_in()
    return rounds, int(obtained)


def door_openid_connect(base: str, cabinet: Cabinet, rounds: int) -> Result:
    obtained = False
    callback = f"/accounts/oidc/{cabinet.provider_id}/login/callback/"
    for n in range(rounds):
        visitor = Visitor(base)
        visitor.get(f"{callback}?code=forged-{n}&state=forged-{n}")
        obtained = obtained or visitor.signed_in()
    return rounds, int(obtained)


def door_invitation(base: str, cabinet: Cabinet, rounds: int) -> Result:
    obtained = False
    for _ in range(rounds):
        visitor = Visitor(base)
        visitor.post_form(
            f"/staff/join/{secrets.token_urlsafe(32)}/",
            {"full_name": "Intruder", "password": PASSWORD},
        )
        obtained = obtained or visitor.signed_in()
    return rounds, int(obtained)


DOORS: dict[str, Callable[[str, Cabinet, int], Result]] = {
    "sign-in page (password)": door_sign_in_page,
    "sign-in page (second factor)": door_sign_in_page_second_factor,
    "API token (password)": door_api_token,
    "API token (second factor)": door_api_token_second_factor,
    "login code by email": door_login_code,
    "passkey": door_passkey,
    "OpenID Connect callback": door_openid_connect,
    "staff invitation": door_invitation,
}


@contextlib.contextmanager
def _server() -> Iterator[str]:
    env = {**bench_env(os.environ["DATABASE_URL"], settings_module="config.settings",
                       data_dir=Path(os.environ["KABINET_DATA_DIR"])),
           "DEBUG": "false", "TRUSTED_PROXY_COUNT": "1"}  # fmt: skip
    log = Path(os.environ["KABINET_DATA_DIR"]) / "doors-probe-gunicorn.log"
    with gunicorn(env, log, probe_path="/health/", probe_host="localhost") as port:
        yield f"http://127.0.0.1:{port}"


def run(*, rounds: int = ROUNDS) -> dict[str, Result]:
    """Seed a cabinet in the database this process's Django uses, start gunicorn on it, try
    every door. Door -> (attempts, successes)."""
    cabinet = seed()
    results = {}
    with _server() as base:
        for name, door in DOORS.items():
            cabinet.door = name
            results[name] = door(base, cabinet, rounds)
    return results


def report(results: dict[str, Result]) -> int:
    for name, (attempts, successes) in results.items():
        say(f"  {name:<30} {attempts:>4} attempts  {successes} successes")
    total = sum(successes for _attempts, successes in results.values())
    say(f"SIGN-IN DOORS {'HOLD' if not total else 'BROKEN'}: {total} successes in "
        f"{sum(a for a, _s in results.values())} attempts")  # fmt: skip
    return 0 if not total else 1


def main() -> int:
    url = server_url(DATABASE)
    with tempfile.TemporaryDirectory(prefix="kabinet-doors-") as data_dir:
        env = bench_env(url, settings_module="config.settings", data_dir=Path(data_dir),
                        TENANT_POOL_SIZE="0", DEBUG="false", STRIPE_API_KEY="")  # fmt: skip
        os.environ.update(env)
        say(f"sign-in doors probe: {ROUNDS} guesses per door and account, each from a new "
            "forwarded address, then the right credential")  # fmt: skip
        recreate_database(url)
        try:
            import django

            django.setup()
            from django.core.management import call_command

            with contextlib.redirect_stdout(io.StringIO()):
                call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
                call_command("platform_setup")
            return report(run())
        finally:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            drop_database(url)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.stderr.write(f"doors probe failed: {error}\n")
        sys.exit(1)
