"""Cross-tenant probe: tenant A's credentials against tenant B's host and B's object ids.

    make isolation-probe        (= .venv/bin/python -m tests.probe.isolation)

For each vertical, two cabinets A and B of that vertical are provisioned in a scratch
database, each with a client, an order, a booking and the vertical's own records (a stay, an
address, a child with a grade). A's owner session, a client session, a DRF token and an API
key with every scope are then sent to B's host at every URL of the tenant URLconf, the API's
routes included (each `<int:…>` filled with every id B has), with GET and with an empty POST.
A request "succeeds" when it does better with A's credentials than with none: a 2xx where an
anonymous caller gets a redirect to sign-in, a 401, a 403 or a 404, or an answer that shows
one of B's marker strings that an anonymous caller does not see. Afterwards B's schema must
hold exactly what it held before (table checksums), but for the tables a refused request may
write (the audit log, sessions).

The second half (tests/probe/artifacts.py) mints every kind of artifact in A (confirmation keys,
reset links, vouchers, document and export links, invitations, hand-offs, API keys), makes B's
ids collide with it, and replays it over HTTP at a gunicorn serving the same database. The probe
prints the counts per kind and exits 1 on any success in either half.

Last, the sign-in doors (tests/probe/doors.py, run in its own process) are hammered with a new
forwarded address per request; it prints its counts per door and fails on any success.
"""

import contextlib
import io
import os
import re
import sys
import tempfile
import uuid
from pathlib import Path

from tests.bench.harness import (
    BenchError,
    bench_env,
    drop_database,
    gunicorn,
    recreate_database,
    say,
)
from tests.bench.harness import server_url as bench_server_url
from tests.probe import artifacts

# Its own scratch database, dropped at the end; name another to run two probes side by side.
DATABASE = os.environ.get("KABINET_PROBE_DATABASE", "kabinet_isolation_probe")
# Tables a refused request may legitimately write in B: who tried what, and sessions.
MAY_CHANGE = {"rbac_auditentry", "django_session", "usersessions_usersession"}
INT_PARAM = re.compile(r"<int:(\w+)>")
OTHER_PARAM = re.compile(r"<(?:(?:str|slug|path|uuid):)?(\w+)>")


def _patterns(resolver, prefix: str = "") -> list[str]:
    from django.urls import URLPattern, URLResolver

    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry, route))
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def _concrete(route: str, ids: list[int]) -> list[str]:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    if "(?P" in route or "\\" in route:
        return []
    route = OTHER_PARAM.sub(lambda m: "x" if "int:" not in m.group(0) else m.group(0), route)
    names = INT_PARAM.findall(route)
    if not names:
        return ["/" + route]
    urls = []
    for pk in ids:
        urls.append("/" + INT_PARAM.sub(str(pk), route))
    return urls


def seed(vertical: str, tag: str):
    """A cabinet with data carrying `tag`, and the credentials of its people."""
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    from cabinet.accounts.models import ClientProfile
    from cabinet.bookings.models import Event
    from cabinet.bookings.services import booking_create
    from cabinet.catalog.models import CatalogItem
    from cabinet.checkout.placing import order_place
    from rbac.api_keys import SCOPES, api_key_create
    from rbac.models import User
    from rbac.services import client_create
    from tenants.models import TenantStatus
    from tenants.services import OwnerSpec, tenant_provision

    slug = f"{vertical}-{tag.lower()}"
    tenant = tenant_provision(
        slug=slug, name=f"Probe {vertical} {slug[-6:]}", vertical=vertical,
        status=TenantStatus.ACTIVE,
        owner=OwnerSpec(email=f"owner@{slug}.example.com", password="x" * 16,
                        email_verified=True),
    )  # fmt: skip
    with tenant_context(tenant):
        owner = User.objects.get(email=f"owner@{slug}.example.com")
        user = client_create(email=f"client-{tag}@example.com", password="y" * 16,
                             full_name=f"{tag} Client", email_verified=True)  # fmt: skip
        client = ClientProfile.objects.create(user=user, phone="+44 20 7946 0000",
                                              address=f"{tag} Street 1")  # fmt: skip
        order = None
        for item in CatalogItem.objects.filter(is_active=True, price__gt=0):
            try:  # the first item an order may hold (a clinic's services are booked with a time)
                order = order_place(client=client, wanted={item.pk: 1}, payment="on_site",
                                    submission_key=uuid.uuid4().hex,
                                    note=f"{tag} note")  # fmt: skip
            except ValidationError:
                continue
            break
        event = Event.objects.filter(starts_at__gt=timezone.now()).first()
        if event is not None:
            booking_create(event=event, client=client, seats=1)
        if vertical == "hotel":
            from cabinet.hotel.services import stay_create

            stay_create(client=client, arrival=timezone.localdate() + dt.timedelta(days=2),
                        departure=timezone.localdate() + dt.timedelta(days=4),
                        room_type=f"{tag} room", by=owner)  # fmt: skip
        if vertical == "shop":
            from cabinet.shop.services import address_save

            address_save(client=client, data={"label": f"{tag} home", "recipient": tag,
                                              "line1": f"{tag} Road 2", "city": "Town",
                                              "postcode": "AB1", "country": "UK"})  # fmt: skip
        if vertical == "clinic":
            from cabinet.clinic.models import Appointment, Service
            from cabinet.clinic.services import document_add, specialist_create

            service = Service.objects.select_related("item").first()
            specialist = specialist_create(user=owner, title=f"{tag} GP", services=[service],
                                           by=owner)  # fmt: skip
            starts = timezone.now() - dt.timedelta(days=3)
            visit = Appointment.objects.create(
                client=client, specialist=specialist, service=service, starts=starts,
                ends=starts + dt.timedelta(minutes=30), status=Appointment.Status.DONE,
                note=f"{tag} appointment note",
            )  # fmt: skip
            document_add(appointment=visit, kind="results", title=f"{tag} results",
                         upload=SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n"),
                         by=owner)  # fmt: skip
        if vertical == "school":
            from cabinet.school.models import SchoolClass
            from cabinet.school.services import (
                enrol,
                grade_give,
                parent_pair,
                student_create,  # fmt: skip
            )

            school_class = SchoolClass.objects.first()
            SchoolClass.objects.filter(pk=school_class.pk).update(teacher=owner)
            school_class.refresh_from_db()
            student = student_create(full_name=f"{tag} Child", birth_date=None, by=owner)
            enrol(student=student, school_class=school_class, by=owner)
            parent_pair(parent=client, code=student.pairing_code)
            grade_give(school_class=school_class, student=student, title=f"{tag} test",
                       value=7, comment=f"{tag} comment", by=owner)  # fmt: skip
        token = Token.objects.create(user=user).key
        _key, api_key = api_key_create(name=f"{tag} key", scopes=list(SCOPES), by=owner)
        ids = _all_ids()
    return {"tenant": tenant, "owner": owner, "client": user, "token": token,
            "api_key": api_key, "ids": ids, "order": order}  # fmt: skip


def _all_ids() -> list[int]:
    from django.apps import apps

    found: set[int] = set()
    from tenants.verticals import vertical_configs

    tenant_apps = {"cabinet", "rbac", *(config.label for config in vertical_configs())}
    for model in apps.get_models():
        if model._meta.app_label in tenant_apps and model._meta.pk.get_internal_type() in (
            "AutoField", "BigAutoField"
        ):  # fmt: skip
            found.update(model.objects.values_list("pk", flat=True)[:50])
    return sorted(found)[:60]


def logged_in_client(tenant, user, host: str):
    from django.test import Client
    from django_tenants.utils import tenant_context

    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def probe(a: dict, b: dict, markers: list[str]) -> tuple[int, int, list[str]]:
    from django.db import connection
    from django.test import Client

    from tenants.backup import schema_checksums
    from tenants.services import platform_domain_for

    host = platform_domain_for(b["tenant"].slug)
    a_host = platform_domain_for(a["tenant"].slug)
    # Sessions are made on A's host; the cookie is then presented to B's host (as a stolen or
    # shared cookie would be), and the headers as they are.
    callers = {
        "owner-session": _cookie_client(a["tenant"], a["owner"], a_host, host),
        "client-session": _cookie_client(a["tenant"], a["client"], a_host, host),
        "token": Client(
            HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {a['token']}", raise_request_exception=False
        ),
        "api-key": Client(
            HTTP_HOST=host,
            HTTP_AUTHORIZATION=f"Api-Key {a['api_key']}",
            raise_request_exception=False,
        ),
    }
    anonymous = Client(HTTP_HOST=host, raise_request_exception=False)
    from config import urls_tenant

    urls = sorted({u for route in _patterns(urls_tenant_resolver(urls_tenant))
                   for u in _concrete(route, b["ids"])})  # fmt: skip
    connection.set_schema_to_public()
    before = schema_checksums(b["tenant"].schema_name)
    requests = successes = 0
    found: list[str] = []
    for url in urls:
        if url.startswith(("/static/", "/media/", "/health/")):
            continue  # files, and the health check (no worker runs here, so it says 503)
        for method in ("get", "post"):
            base = getattr(anonymous, method)(url)
            if base.status_code >= 500:
                found.append(f"anonymous {method.upper()} {url} -> {base.status_code} "
                             "(a server error, not a leak)")  # fmt: skip
            for name, caller in callers.items():
                response = getattr(caller, method)(url)
                requests += 1
                body = _text(response)
                better = response.status_code < 300 <= base.status_code
                public = _text(base)
                shown = any(marker in body and marker not in public for marker in markers)
                if response.status_code >= 500:
                    found.append(f"{name} {method.upper()} {url} -> {response.status_code} "
                                 "(a server error, not a leak)")  # fmt: skip
                if better or shown:
                    successes += 1
                    found.append(f"{name} {method.upper()} {url} -> {response.status_code}"
                                 f"{' (shows B data)' if shown else ''}")  # fmt: skip
    connection.set_schema_to_public()
    after = schema_checksums(b["tenant"].schema_name)
    changed = sorted(t for t in after if after[t] != before.get(t) and t not in MAY_CHANGE)
    if changed:
        successes += len(changed)
        found.extend(f"B's table {t} changed" for t in changed)
    return requests, successes, found


def urls_tenant_resolver(module):
    from django.urls import get_resolver

    return get_resolver(module.__name__)


def _cookie_client(tenant, user, own_host: str, target_host: str):
    from django.conf import settings
    from django.test import Client

    browser = logged_in_client(tenant, user, own_host)
    cookie = browser.cookies.get(settings.SESSION_COOKIE_NAME)
    thief = Client(HTTP_HOST=target_host, raise_request_exception=False)
    if cookie is not None:
        thief.cookies[settings.SESSION_COOKIE_NAME] = cookie.value
    return thief


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    try:
        return response.content.decode(errors="replace")
    except Exception:
        return ""


def run(env: dict[str, str], data_dir: Path) -> int:
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # 404s and 405s are expected
    from django.core.management import call_command

    with contextlib.redirect_stdout(io.StringIO()):
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        call_command("platform_setup")
    total_requests = total_successes = 0
    all_found: list[str] = []
    pairs = []
    from tenants.verticals import vertical_keys

    for vertical in vertical_keys():
        a = seed(vertical, "Aprobe")
        b = seed(vertical, "Bprobe")
        pairs.append((vertical, a, b))
        markers = ["Bprobe"]
        requests, successes, found = probe(a, b, markers)
        say(f"  {vertical:<7} {requests:>6,} requests with A's credentials on B's host: "
            f"{successes} successes")  # fmt: skip
        total_requests += requests
        total_successes += successes
        all_found.extend(found)
    say("artifacts: what A signs or mints, replayed on B's host where the ids collide")
    replays = artifact_successes = 0
    with gunicorn(env, data_dir / "gunicorn.log", probe_path="/health/",
                  probe_host="localhost", workers=2) as port:  # fmt: skip
        for vertical, a, b in pairs:
            counts = artifacts.run(a=a, b=b, port=port, found=all_found)
            for kind, (attempts, successes) in counts.items():
                say(f"  {vertical:<7} {kind:<20} {attempts:>2} replays: {successes} successes")
                replays += attempts
                artifact_successes += successes
    for line in all_found[:50]:
        say(f"    {line}")
    say(f"ISOLATION {'HOLDS' if not total_successes else 'BROKEN'}: {total_successes} "
        f"successes in {total_requests:,} cross-tenant requests")  # fmt: skip
    say(f"ARTIFACTS {'HOLD' if not artifact_successes else 'BROKEN'}: {artifact_successes} "
        f"successes in {replays} replays")  # fmt: skip
    return 0 if not (total_successes or artifact_successes) else 1


def main() -> int:
    url = bench_server_url(DATABASE)
    with tempfile.TemporaryDirectory(prefix="kabinet-probe-") as data_dir:
        # Both halves here measure isolation with people fully signed in: the second-factor
        # policies (a code on a new browser, staff two-factor by default) would stop A's own
        # controls before B is ever tried. Those policies are the doors half's and the suite's.
        env = bench_env(url, settings_module="config.settings", data_dir=Path(data_dir),
                        TENANT_POOL_SIZE="0", DEBUG="false", STRIPE_API_KEY="",
                        SIGN_IN_NEW_BROWSER_CODE="false",
                        STAFF_TWO_FACTOR_DEFAULT="false")  # fmt: skip
        os.environ.update(env)
        say("isolation probe: tenant A's credentials against tenant B's host and ids")
        recreate_database(url)
        try:
            return run(env, Path(data_dir))
        finally:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            drop_database(url)


def doors() -> int:
    """The sign-in doors half (tests/probe/doors.py) in a process of its own: it sets Django up
    against its own scratch database."""
    import subprocess

    say("sign-in doors: every door hammered from rotating forwarded addresses")
    return subprocess.run([sys.executable, "-m", "tests.probe.doors"], check=False).returncode


if __name__ == "__main__":
    try:
        isolation = main()
    except BenchError as error:
        sys.stderr.write(f"isolation probe failed: {error}\n")
        sys.exit(1)
    sys.exit(isolation or doors())
