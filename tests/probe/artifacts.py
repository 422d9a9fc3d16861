"""Isolation probe, second half (artifacts): what cabinet A signs or mints, replayed in B.

For every kind of artifact a cabinet hands out — an email confirmation key, a password reset
link, a voucher code, a document link, a data-export download, a staff invitation, a sign-in
hand-off, an API key — the probe makes one in A through the application's own code, makes B's
rows collide with it (the same primary keys; for stored tokens, the same stored hash, as if B had
drawn the same random value; for a password reset, the same email and password hash), and then
sends it to B's host over HTTP, to the probe's gunicorn. Each replay is also made with a forged
artifact of the same shape. A replay "succeeds" when B answers it differently from the forged
one, shows B's marker, or changes B's state (an address verified, an account made, a guest
checked in). `run` returns kind -> (attempts, successes).
"""

import http.client
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.bench.loadgen import LOCALHOST

CSRF = "probe" * 6 + "ab"  # 32 characters: an unmasked CSRF secret, sent as cookie and header
_keys = itertools.count(870_001)


@dataclass
class Answer:
    status: int
    location: str
    body: str


@dataclass
class Caller:
    """Requests to one host over HTTP, with a session cookie when given one."""

    port: int
    host: str
    session: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, method: str, path: str, data: dict[str, str] | None = None) -> Answer:
        from django.conf import settings

        cookies = [f"{settings.CSRF_COOKIE_NAME}={CSRF}"]
        if self.session:
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={self.session}")
        headers = {"Host": self.host, "Cookie": "; ".join(cookies), "X-CSRFToken": CSRF,
                   **self.headers}  # fmt: skip
        body = urlencode(data or {}) if method == "POST" else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(LOCALHOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.getheader("Location", ""),
                          response.read().decode(errors="replace"))  # fmt: skip
        finally:
            connection.close()


@dataclass
class Replay:
    """One artifact of A sent to B, next to a forged one of the same shape."""

    kind: str
    caller: Caller
    method: str
    path: str
    forged_path: str
    data: dict[str, str] = field(default_factory=dict)
    forged_data: dict[str, str] = field(default_factory=dict)
    marker: str = ""  # something of B's that the answer must not show
    changed: Callable[[], bool] = lambda: False  # B's state after the replay
    forged_caller: Caller | None = None  # when the forgery travels in a header

    def succeeded(self) -> tuple[bool, str]:
        forger = self.forged_caller or self.caller
        forged = forger.send(self.method, self.forged_path, self.forged_data or self.data)
        answer = self.caller.send(self.method, self.path, self.data)
        if (answer.status, answer.location) != (forged.status, forged.location):
            return True, f"{answer.status} {answer.location} (forged: {forged.status})"
        if self.marker and self.marker in answer.body:
            return True, f"{answer.status}, shows {self.marker!r}"
        if self.changed():
            return True, "changed B's state"
        return False, ""


def _cookie(tenant, user, host: str) -> str:
    from django.conf import settings

    from tests.probe.isolation import logged_in_client

    return logged_in_client(tenant, user, host).cookies[settings.SESSION_COOKIE_NAME].value


def _in(tenant, make: Callable[[], object]) -> object:
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        return make()


def _twin_users(a, b, pk: int, tag: str):
    """A user with the same id, email and password hash in A and B."""
    from rbac.models import User
    from tests.factories import UserFactory

    email = f"twin-{pk}@probe.example.com"
    a_user = _in(a, lambda: UserFactory(pk=pk, email=email, full_name=f"Aprobe twin {pk}"))

    def twin():
        user = UserFactory(pk=pk, email=email, full_name=f"{tag} twin {pk}")
        User.objects.filter(pk=pk).update(password=a_user.password, last_login=a_user.last_login)
        return user

    return a_user, _in(b, twin)


def _forge(token: str) -> str:
    """The same shape, another value: the last four characters changed."""
    tail = "0000" if not token.endswith("0000") else "1111"
    return token[:-4] + tail


def _email_confirmation(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from allauth.account.models import EmailAddress, get_emailconfirmation_model
    from django.utils import timezone

    from tests.factories import UserFactory

    def unverified(email: str) -> EmailAddress:
        user = UserFactory(email=email, email_verified=False)
        EmailAddress.objects.filter(user=user).update(id=pk)
        return EmailAddress.objects.get(pk=pk)

    def mint() -> str:
        confirmation = get_emailconfirmation_model().create(unverified(f"a-{pk}@probe.example.com"))
        if hasattr(confirmation, "sent"):  # stored keys count from when they were mailed
            confirmation.sent = timezone.now()
            confirmation.save(update_fields=["sent"])
        return confirmation.key

    key = _in(a, mint)
    marker = f"{tag.lower()}-{pk}@probe.example.com"
    _in(b, lambda: unverified(marker))
    verified = lambda: _in(b, lambda: EmailAddress.objects.get(pk=pk).verified)  # noqa: E731
    caller = Caller(port, b_host)
    path, forged = f"/accounts/confirm-email/{key}/", f"/accounts/confirm-email/{_forge(key)}/"
    return [
        Replay("email-confirmation", caller, "GET", path, forged, marker=marker),
        Replay("email-confirmation", caller, "POST", path, forged, marker=marker,
               changed=verified),
    ]  # fmt: skip


def _password_reset(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from allauth.account.utils import user_pk_to_url_str

    from rbac.tokens import TenantPasswordResetTokenGenerator

    a_user, _b_user = _twin_users(a, b, pk, tag)
    key = _in(a, lambda: TenantPasswordResetTokenGenerator().make_token(a_user))
    uid = user_pk_to_url_str(a_user)
    return [Replay("password-reset", Caller(port, b_host), "GET",
                   f"/accounts/password/reset/key/{uid}-{key}/",
                   f"/accounts/password/reset/key/{uid}-{_forge(key)}/")]  # fmt: skip


def _voucher(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    import datetime as dt

    from django.utils import timezone

    from cabinet.documents import voucher_code
    from cabinet.models import Booking, ClientProfile, Event
    from tests.factories import UserFactory

    def booking(guest: str) -> Booking:
        start = timezone.now() + dt.timedelta(days=5)
        event = Event.objects.create(title=f"{guest} evening", starts_at=start,
                                     ends_at=start + dt.timedelta(hours=2))  # fmt: skip
        client = ClientProfile.objects.create(user=UserFactory(full_name=guest))
        return Booking.objects.create(pk=pk, event=event, client=client, seats=1,
                                      status=Booking.Status.CONFIRMED)  # fmt: skip

    code = _in(a, lambda: voucher_code(booking("Aprobe guest")))
    marker = f"{tag} guest {pk}"
    _in(b, lambda: booking(marker))
    checked_in = lambda: _in(  # noqa: E731
        b, lambda: Booking.objects.get(pk=pk).checked_in_at is not None
    )
    door = Caller(port, b_host, _cookie(b["tenant"], b["owner"], b_host))
    return [Replay("voucher", door, "POST", "/staff/vouchers/", "/staff/vouchers/",
                   data={"code": code, "action": "check_in"},
                   forged_data={"code": _forge(code), "action": "check_in"},
                   marker=marker, changed=checked_in)]  # fmt: skip


def _document(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from django.core.files.base import ContentFile

    from cabinet.documents import document_link
    from cabinet.models import ClientProfile, Document

    a_user, b_user = _twin_users(a, b, pk, tag)

    def document(user, text: str) -> Document:
        made = Document(pk=pk, client=ClientProfile.objects.create(user=user),
                        kind=Document.Kind.RECEIPT)  # fmt: skip
        made.file.save(f"receipt-{pk}.pdf", ContentFile(text.encode()), save=False)
        made.save()
        return made

    link = _in(a, lambda: document_link(document(a_user, "Aprobe receipt"), user_id=pk))
    _in(b, lambda: document(b_user, f"{tag} receipt"))
    caller = Caller(port, b_host, _cookie(b["tenant"], b_user, b_host))
    token = link.rstrip("/").rsplit("/", 1)[1]
    return [
        Replay("document-link", caller, "GET", link, link.replace(token, _forge(token)),
               marker=f"{tag} receipt"),
        Replay("document-link", caller, "GET", f"/api/v1/documents/{token}/",
               f"/api/v1/documents/{_forge(token)}/", marker=f"{tag} receipt"),
    ]  # fmt: skip


def _export(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from django.core.files.base import ContentFile

    from cabinet.account import download_url
    from rbac.models import DataExport

    a_user, b_user = _twin_users(a, b, pk, tag)

    def export(user, text: str) -> DataExport:
        made = DataExport(pk=pk, user=user, status=DataExport.Status.READY, progress=100)
        made.json_file.save(f"export-{pk}.json", ContentFile(text.encode()), save=False)
        made.save()
        return made

    link = _in(a, lambda: download_url(export(a_user, '{"who": "Aprobe"}'), "json"))
    _in(b, lambda: export(b_user, f'{{"who": "{tag}"}}'))
    token = link.rstrip("/").rsplit("/", 1)[1]
    caller = Caller(port, b_host, _cookie(b["tenant"], b_user, b_host))
    return [Replay("export-download", caller, "GET", link, link.replace(token, _forge(token)),
                   marker=f'"who": "{tag}"')]  # fmt: skip


def _invitation(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from unittest import mock

    from rbac.models import StaffInvitation, User
    from rbac.services import staff_invite

    sent: list[tuple] = []
    with mock.patch("rbac.services.enqueue_on_commit", lambda task, *args: sent.append(args)):
        invitation = _in(a, lambda: staff_invite(invited_by=a["owner"],
                                                 email=f"a-{pk}@probe.example.com"))  # fmt: skip
    ((_pk, token),) = sent
    marker = f"{tag.lower()}-{pk}@probe.example.com"
    _in(b, lambda: StaffInvitation.objects.create(
        pk=invitation.pk, email=marker, role=invitation.role, invited_by=b["owner"],
        expires_at=invitation.expires_at, token_hash=invitation.token_hash,
    ))  # fmt: skip
    joined = lambda: _in(b, lambda: User.objects.filter(email=marker).exists())  # noqa: E731
    caller = Caller(port, b_host)
    path, forged = f"/staff/join/{token}/", f"/staff/join/{_forge(token)}/"
    data = {"full_name": "Mallory", "password": "probe-pass-phrase-42"}
    return [
        Replay("invitation", caller, "GET", path, forged, marker=marker),
        Replay("invitation", caller, "POST", path, forged, data=data, marker=marker,
               changed=joined),
    ]  # fmt: skip


def _handoff(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from tenants.handoff import handoff_sign

    email = b["owner"].email  # the one person a hand-off into B could name
    token = handoff_sign(schema_name=a["tenant"].schema_name, email=email)
    return [Replay("handoff", Caller(port, b_host), "POST", "/staff/handoff/", "/staff/handoff/",
                   data={"t": token}, forged_data={"t": _forge(token)})]  # fmt: skip


def _api_key(a, b, pk: int, port: int, b_host: str, tag: str) -> list[Replay]:
    from rbac.api_keys import SCOPES, api_key_create
    from rbac.models import ApiKey

    key, text = _in(a, lambda: api_key_create(name=f"twin {pk}", scopes=list(SCOPES),
                                              by=a["owner"]))  # fmt: skip

    def twin() -> ApiKey:
        free = not ApiKey.objects.filter(pk=key.pk).exists()
        return ApiKey.objects.create(
            pk=key.pk if free else None, name=f"{tag} twin", prefix=key.prefix,
            secret_hash=key.secret_hash, scopes=key.scopes, created_by=b["owner"],
        )  # fmt: skip

    _in(b, twin)
    path = "/api/v1/staff/clients/"
    real = Caller(port, b_host, headers={"Authorization": f"Api-Key {text}"})
    forged = Caller(port, b_host, headers={"Authorization": f"Api-Key {_forge(text)}"})
    return [Replay("api-key", real, "GET", path, path, marker=tag, forged_caller=forged)]


MINTERS = {
    "email-confirmation": _email_confirmation,
    "password-reset": _password_reset,
    "voucher": _voucher,
    "document-link": _document,
    "export-download": _export,
    "invitation": _invitation,
    "handoff": _handoff,
    "api-key": _api_key,
}


def run(
    *, a: dict, b: dict, port: int, tag: str = "Bprobe", found: list[str] | None = None
) -> dict[str, tuple[int, int]]:
    """Mint every kind in A, replay it in B where the ids collide; kind -> (attempts, successes).
    `a` and `b` are tests.probe.isolation.seed() results, `tag` B's marker; `port` is the probe's
    server. What succeeded is appended to `found`."""
    from django.db import connection

    from tenants.services import platform_domain_for

    b_host = platform_domain_for(b["tenant"].slug)
    counts: dict[str, tuple[int, int]] = {}
    found = found if found is not None else []
    for kind, mint in MINTERS.items():
        attempts = successes = 0
        for replay in mint(a, b, next(_keys), port, b_host, tag):
            connection.set_schema_to_public()
            succeeded, why = replay.succeeded()
            attempts += 1
            if succeeded:
                successes += 1
                found.append(f"{kind}: {replay.method} {replay.path} -> {why}")
        counts[kind] = (attempts, successes)
    connection.set_schema_to_public()
    return counts
