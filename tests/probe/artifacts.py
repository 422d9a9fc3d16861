"""Isolation probe, second half (artifacts): what cabinet A signs or mints, replayed in B.

For every kind of artifact a cabinet hands out — an email confirmation key, a password reset
link, a voucher code, a document link, a data-export download, a staff invitation, a sign-in
hand-off, an API key — the probe makes one in A through the application's own code, makes B's
rows collide with it (the same primary keys; for stored tokens, the same stored hash, as if B had
drawn the same random value; for a password reset, the same email and password hash), and then
sends it to B's host over HTTP, to the probe's gunicorn. Each replay is also made with a forged
artifact of the same shape. A replay "succeeds" when B answers it differently from the forged
one, shows B's marker, or changes B's state (an address verified, an account made, a guest
checked in). Each replay has a control: the same artifact at home, in A, must be answered
differently from a forgery there, or the probe stops (a replay that nothing could make succeed
would prove nothing). `run` returns kind -> (attempts, successes).
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


class ControlFailed(RuntimeError):
    """The genuine artifact did not work at home either: the replay would prove nothing."""


def _differ(answer: Answer, forged: Answer) -> bool:
    # a redirect's query (?next=<the path>) names the artifact itself: compare where it goes
    return (answer.status, answer.location.split("?")[0]) != (
        forged.status, forged.location.split("?")[0]
    )  # fmt: skip


@dataclass
class Replay:
    """One artifact of A sent to B, next to a forged one of the same shape; and the same pair
    at home in A, as the control."""

    kind: str
    method: str
    path: str
    forged_path: str
    caller: Caller  # on B's host
    home: Caller  # on A's host
    data: dict[str, str] = field(default_factory=dict)
    forged_data: dict[str, str] = field(default_factory=dict)
    marker: str = ""  # something of B's that the answer must not show
    home_marker: str = ""  # what the genuine artifact shows at home
    changed: Callable[[], bool] = lambda: False  # B's state after the replay
    forged_caller: Caller | None = None  # when the forgery travels in a header (on B's host)
    home_forger: Caller | None = None  # the same, on A's host

    def _pair(self, caller: Caller, forger: Caller) -> tuple[Answer, Answer]:
        forged = forger.send(self.method, self.forged_path, self.forged_data or self.data)
        return caller.send(self.method, self.path, self.data), forged

    def succeeded(self) -> tuple[bool, str]:
        answer, forged = self._pair(self.caller, self.forged_caller or self.caller)
        if _differ(answer, forged):
            return True, f"{answer.status} {answer.location} (forged: {forged.status})"
        if self.marker and self.marker in answer.body:
            return True, f"{answer.status}, shows {self.marker!r}"
        if self.changed():
            return True, "changed B's state"
        return False, ""

    def works_at_home(self) -> bool:
        answer, forged = self._pair(self.home, self.home_forger or self.home)
        return _differ(answer, forged) or bool(self.home_marker and self.home_marker in answer.body)


@dataclass
class Scene:
    """Two seeded cabinets (tests.probe.isolation.seed() results), the key their colliding rows
    share, and the probe's server."""

    a: dict
    b: dict
    pk: int
    port: int
    a_host: str
    b_host: str
    tag: str

    def on_a(self, user=None, **headers: str) -> Caller:
        return self._caller(self.a, self.a_host, user, headers)

    def on_b(self, user=None, **headers: str) -> Caller:
        return self._caller(self.b, self.b_host, user, headers)

    def _caller(self, side: dict, host: str, user, headers: dict[str, str]) -> Caller:
        from django.conf import settings

        from tests.probe.isolation import logged_in_client

        session = ""
        if user is not None:
            browser = logged_in_client(side["tenant"], user, host)
            session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        return Caller(self.port, host, session, headers)


def _in(side: dict, make: Callable[[], object]) -> object:
    """`make()` inside a seeded cabinet."""
    from django_tenants.utils import tenant_context

    with tenant_context(side["tenant"]):
        return make()


def _twin_users(scene: Scene):
    """A user with the same id, email and password hash in A and B."""
    from rbac.models import User
    from tests.factories import UserFactory

    pk, email = scene.pk, f"twin-{scene.pk}@probe.example.com"
    a_user = _in(scene.a, lambda: UserFactory(pk=pk, email=email, full_name=f"Aprobe twin {pk}"))

    def twin() -> User:
        UserFactory(pk=pk, email=email, full_name=f"{scene.tag} twin {pk}")
        User.objects.filter(pk=pk).update(password=a_user.password, last_login=a_user.last_login)
        return User.objects.get(pk=pk)

    return a_user, _in(scene.b, twin)


def _forge(token: str) -> str:
    """The same shape, another value: the last four characters changed."""
    tail = "0000" if not token.endswith("0000") else "1111"
    return token[:-4] + tail


def _email_confirmation(scene: Scene) -> list[Replay]:
    from allauth.account.models import EmailAddress, get_emailconfirmation_model
    from django.utils import timezone

    from tests.factories import UserFactory

    def unverified(email: str) -> EmailAddress:
        user = UserFactory(email=email, email_verified=False)
        EmailAddress.objects.filter(user=user).update(id=scene.pk)
        return EmailAddress.objects.get(pk=scene.pk)

    a_email = f"aprobe-{scene.pk}@probe.example.com"

    def mint() -> str:
        confirmation = get_emailconfirmation_model().create(unverified(a_email))
        if hasattr(confirmation, "sent"):  # stored keys count from when they were mailed
            confirmation.sent = timezone.now()
            confirmation.save(update_fields=["sent"])
        return confirmation.key

    key = _in(scene.a, mint)
    marker = f"{scene.tag.lower()}-{scene.pk}@probe.example.com"
    _in(scene.b, lambda: unverified(marker))
    verified = lambda: _in(scene.b, lambda: EmailAddress.objects.get(pk=scene.pk).verified)  # noqa: E731
    path, forged = f"/accounts/confirm-email/{key}/", f"/accounts/confirm-email/{_forge(key)}/"
    common = {"caller": scene.on_b(), "home": scene.on_a(), "marker": marker,
              "home_marker": a_email}  # fmt: skip
    return [
        Replay("email-confirmation", "GET", path, forged, **common),
        Replay("email-confirmation", "POST", path, forged, changed=verified, **common),
    ]


def _password_reset(scene: Scene) -> list[Replay]:
    from allauth.account.utils import user_pk_to_url_str

    from rbac.tokens import TenantPasswordResetTokenGenerator

    a_user, _b_user = _twin_users(scene)
    key = _in(scene.a, lambda: TenantPasswordResetTokenGenerator().make_token(a_user))
    base = f"/accounts/password/reset/key/{user_pk_to_url_str(a_user)}"
    return [Replay("password-reset", "GET", f"{base}-{key}/", f"{base}-{_forge(key)}/",
                   caller=scene.on_b(), home=scene.on_a())]  # fmt: skip


def _voucher(scene: Scene) -> list[Replay]:
    import datetime as dt

    from django.utils import timezone

    from cabinet.accounts.models import ClientProfile
    from cabinet.bookings.models import Booking, Event
    from cabinet.documents.services import voucher_code
    from tests.factories import UserFactory

    def booking(guest: str) -> Booking:
        start = timezone.now() + dt.timedelta(days=5)
        event = Event.objects.create(title=f"{guest} evening", starts_at=start,
                                     ends_at=start + dt.timedelta(hours=2))  # fmt: skip
        client = ClientProfile.objects.create(user=UserFactory(full_name=guest))
        return Booking.objects.create(pk=scene.pk, event=event, client=client, seats=1,
                                      status=Booking.Status.CONFIRMED)  # fmt: skip

    code = _in(scene.a, lambda: voucher_code(booking(f"Aprobe guest {scene.pk}")))
    marker = f"{scene.tag} guest {scene.pk}"
    _in(scene.b, lambda: booking(marker))
    checked_in = lambda: _in(  # noqa: E731
        scene.b, lambda: Booking.objects.get(pk=scene.pk).checked_in_at is not None
    )
    return [Replay("voucher", "POST", "/staff/vouchers/", "/staff/vouchers/",
                   caller=scene.on_b(scene.b["owner"]), home=scene.on_a(scene.a["owner"]),
                   data={"code": code, "action": "check_in"},
                   forged_data={"code": _forge(code), "action": "check_in"},
                   marker=marker, changed=checked_in)]  # fmt: skip


def _document(scene: Scene) -> list[Replay]:
    from django.core.files.base import ContentFile

    from cabinet.accounts.models import ClientProfile
    from cabinet.documents.models import Document
    from cabinet.documents.services import document_link

    a_user, b_user = _twin_users(scene)

    def document(user, text: str) -> Document:
        made = Document(pk=scene.pk, client=ClientProfile.objects.create(user=user),
                        kind=Document.Kind.RECEIPT)  # fmt: skip
        made.file.save(f"receipt-{scene.pk}.pdf", ContentFile(text.encode()), save=False)
        made.save()
        return made

    link = _in(scene.a, lambda: document_link(document(a_user, "Aprobe receipt"), user_id=scene.pk))
    _in(scene.b, lambda: document(b_user, f"{scene.tag} receipt"))
    token = link.rstrip("/").rsplit("/", 1)[1]
    common = {"caller": scene.on_b(b_user), "home": scene.on_a(a_user),
              "marker": f"{scene.tag} receipt"}  # fmt: skip
    return [
        Replay("document-link", "GET", link, link.replace(token, _forge(token)), **common),
        Replay("document-link", "GET", f"/api/v1/documents/{token}/",
               f"/api/v1/documents/{_forge(token)}/", **common),
    ]  # fmt: skip


def _export(scene: Scene) -> list[Replay]:
    from django.core.files.base import ContentFile

    from cabinet.accounts.account_views import download_url
    from rbac.models import DataExport

    a_user, b_user = _twin_users(scene)

    def export(user, text: str) -> DataExport:
        made = DataExport(pk=scene.pk, user=user, status=DataExport.Status.READY, progress=100)
        made.json_file.save(f"export-{scene.pk}.json", ContentFile(text.encode()), save=False)
        made.save()
        return made

    link = _in(scene.a, lambda: download_url(export(a_user, '{"who": "Aprobe"}'), "json"))
    _in(scene.b, lambda: export(b_user, f'{{"who": "{scene.tag}"}}'))
    token = link.rstrip("/").rsplit("/", 1)[1]
    return [Replay("export-download", "GET", link, link.replace(token, _forge(token)),
                   caller=scene.on_b(b_user), home=scene.on_a(a_user),
                   marker=f'"who": "{scene.tag}"')]  # fmt: skip


def _invitation(scene: Scene) -> list[Replay]:
    from unittest import mock

    from rbac.models import StaffInvitation, User
    from rbac.services import staff_invite

    sent: list[tuple] = []
    a_email = f"aprobe-{scene.pk}@probe.example.com"
    with mock.patch("rbac.services.enqueue_on_commit", lambda task, *args: sent.append(args)):
        invitation = _in(scene.a, lambda: staff_invite(invited_by=scene.a["owner"],
                                                       email=a_email))  # fmt: skip
    ((_pk, token),) = sent
    marker = f"{scene.tag.lower()}-{scene.pk}@probe.example.com"
    _in(scene.b, lambda: StaffInvitation.objects.create(
        pk=invitation.pk, email=marker, role=invitation.role, invited_by=scene.b["owner"],
        expires_at=invitation.expires_at, token_hash=invitation.token_hash,
    ))  # fmt: skip
    joined = lambda: _in(scene.b, lambda: User.objects.filter(email=marker).exists())  # noqa: E731
    path, forged = f"/staff/join/{token}/", f"/staff/join/{_forge(token)}/"
    data = {"full_name": "Mallory", "password": "probe-pass-phrase-42"}
    common = {"caller": scene.on_b(), "home": scene.on_a(), "marker": marker}
    return [
        Replay("invitation", "GET", path, forged, **common),
        Replay("invitation", "POST", path, forged, data=data, changed=joined, **common),
    ]


def _handoff(scene: Scene) -> list[Replay]:
    from tenants.handoff import handoff_sign

    # naming B's owner, the one person a hand-off into B could carry
    token = handoff_sign(schema_name=scene.a["tenant"].schema_name, email=scene.b["owner"].email)
    home_token = handoff_sign(schema_name=scene.a["tenant"].schema_name,
                              email=scene.a["owner"].email)  # fmt: skip
    replay = Replay("handoff", "POST", "/staff/handoff/", "/staff/handoff/",
                    caller=scene.on_b(), home=scene.on_a(),
                    data={"t": token}, forged_data={"t": _forge(token)})  # fmt: skip
    at_home = Replay("handoff", "POST", "/staff/handoff/", "/staff/handoff/",
                     caller=scene.on_a(), home=scene.on_a(),
                     data={"t": home_token}, forged_data={"t": _forge(home_token)})  # fmt: skip
    replay.works_at_home = at_home.works_at_home  # type: ignore[method-assign]
    return [replay]


def _api_key(scene: Scene) -> list[Replay]:
    from rbac.api_keys import SCOPES, api_key_create
    from rbac.models import ApiKey

    def mint() -> tuple[ApiKey, str]:
        return api_key_create(name=f"twin {scene.pk}", scopes=list(SCOPES), by=scene.a["owner"])

    key, text = _in(scene.a, mint)

    def twin() -> ApiKey:
        free = not ApiKey.objects.filter(pk=key.pk).exists()
        return ApiKey.objects.create(
            pk=key.pk if free else None, name=f"{scene.tag} twin", prefix=key.prefix,
            secret_hash=key.secret_hash, scopes=key.scopes, created_by=scene.b["owner"],
        )  # fmt: skip

    _in(scene.b, twin)
    path, real, forged = "/api/v1/staff/clients/", f"Api-Key {text}", f"Api-Key {_forge(text)}"
    return [Replay("api-key", "GET", path, path, marker=scene.tag,
                   caller=scene.on_b(Authorization=real),
                   forged_caller=scene.on_b(Authorization=forged),
                   home=scene.on_a(Authorization=real),
                   home_forger=scene.on_a(Authorization=forged))]  # fmt: skip


def _review_link(scene: Scene) -> list[Replay]:
    from cabinet.accounts.models import ClientProfile
    from cabinet.feedback.models import Review
    from cabinet.feedback.services import review_link
    from tests.factories import UserFactory

    def review(title: str) -> Review:
        client = ClientProfile.objects.create(user=UserFactory(full_name=f"{title} guest"))
        return Review.objects.create(pk=scene.pk, client=client, subject=f"probe:{scene.pk}",
                                     title=title)  # fmt: skip

    home_title, marker = f"Aprobe stay {scene.pk}", f"{scene.tag} stay {scene.pk}"
    link = _in(scene.a, lambda: review_link(review(home_title)))
    _in(scene.b, lambda: review(marker))
    token = link.rstrip("/").rsplit("/", 1)[1]
    return [Replay("review-link", "GET", link, link.replace(token, _forge(token)),
                   caller=scene.on_b(), home=scene.on_a(), marker=marker,
                   home_marker=home_title)]  # fmt: skip


MINTERS = {
    "email-confirmation": _email_confirmation,
    "password-reset": _password_reset,
    "voucher": _voucher,
    "document-link": _document,
    "export-download": _export,
    "invitation": _invitation,
    "handoff": _handoff,
    "api-key": _api_key,
    "review-link": _review_link,
}


def run(
    *, a: dict, b: dict, port: int, tag: str = "Bprobe", found: list[str] | None = None
) -> dict[str, tuple[int, int]]:
    """Mint every kind in A, replay it in B where the ids collide; kind -> (attempts, successes).
    `a` and `b` are tests.probe.isolation.seed() results, `tag` B's marker; `port` is the probe's
    server. What succeeded is appended to `found`."""
    from django.db import connection

    from tenants.services import platform_domain_for

    a_host = platform_domain_for(a["tenant"].slug)
    b_host = platform_domain_for(b["tenant"].slug)
    counts: dict[str, tuple[int, int]] = {}
    found = found if found is not None else []
    for kind, mint in MINTERS.items():
        attempts = successes = 0
        scene = Scene(a, b, next(_keys), port, a_host, b_host, tag)
        for replay in mint(scene):
            connection.set_schema_to_public()
            succeeded, why = replay.succeeded()
            attempts += 1
            if succeeded:
                successes += 1
                found.append(f"{kind}: {replay.method} {replay.path} -> {why}")
            connection.set_schema_to_public()
            if not replay.works_at_home():
                raise ControlFailed(f"{kind}: {replay.method} {replay.path} does not work in A")
        counts[kind] = (attempts, successes)
    connection.set_schema_to_public()
    return counts
