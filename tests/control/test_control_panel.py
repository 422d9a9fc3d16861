from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry, User
from tenants.models import Domain, Tenant, TenantEvent, TenantStatus
from tests.support.totp import current_code

ADMIN_EMAIL, ADMIN_PASSWORD = "root@kabinet.example.com", "platform-admin-pass"


def make_admin(*, with_totp: bool = True) -> tuple[User, str]:
    admin = User.objects.create_superuser(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    EmailAddress.objects.create(user=admin, email=ADMIN_EMAIL, primary=True, verified=True)
    secret = generate_totp_secret()
    if with_totp:
        TOTP.activate(admin, secret)
    return admin, secret


@pytest.fixture
def admin_client(platform_client: Client) -> Client:
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    return platform_client


def test_the_control_panel_wants_a_platform_admin(platform_client):
    response = platform_client.get("/control/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/control/")


def test_a_platform_admin_without_a_second_factor_must_set_one_up(platform_client):
    admin, _secret = make_admin(with_totp=False)
    platform_client.force_login(admin)
    response = platform_client.get("/control/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_nobody_signs_up_on_the_platform_host(platform_client):
    response = platform_client.post(
        "/accounts/signup/", {"email": "x@example.com", "password1": "a long passphrase here"}
    )
    assert not User.objects.filter(email="x@example.com").exists()
    assert response.status_code in (200, 302, 403)


def test_a_plain_public_user_is_refused(platform_client):
    platform_client.force_login(User.objects.create_user(email="x@example.com", password="p"))
    assert platform_client.get("/control/").status_code == 403


def test_the_control_panel_does_not_exist_on_a_tenant_host(hotel_client):
    assert hotel_client.get("/control/").status_code == 404


def test_an_admin_signs_in_with_a_code_and_sees_tenants(platform_client):
    _admin, secret = make_admin()
    response = platform_client.post(
        "/accounts/login/?next=/control/", {"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = platform_client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response["Location"] == "/control/"
    page = platform_client.get("/control/").content.decode()
    assert "Hotel Test" in page
    assert "Shop Test" in page


def test_search_filter_and_sort(admin_client, hotel, shop):
    assert "Shop Test" not in admin_client.get("/control/", {"q": "hotel"}).content.decode()
    hotel.status = TenantStatus.SUSPENDED
    hotel.save(update_fields=["status"])
    suspended = admin_client.get("/control/", {"status": "suspended"}).content.decode()
    assert "Hotel Test" in suspended
    assert "Shop Test" not in suspended
    names = admin_client.get("/control/", {"sort": "name"}).content.decode()
    assert names.index("Hotel Test") < names.index("Shop Test")
    # hostile filters are answered, not crashed on
    for params in (
        {"q": "' OR 1=1 --" * 50},
        {"status": "x" * 999},
        {"page": "-1"},
        {"sort": "pk;"},
    ):
        assert admin_client.get("/control/", params).status_code == 200


def test_the_list_needs_a_fixed_number_of_queries(admin_client):
    def queries_for_list() -> int:
        admin_client.get("/control/")
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/control/").status_code == 200
        return len(queries)

    with_two = queries_for_list()
    for n in range(5):
        tenant = Tenant.objects.create(schema_name=f"extra{n}", slug=f"extra-{n}", name=f"X{n}")
        Domain.objects.create(domain=f"extra-{n}.localhost", tenant=tenant)
    assert queries_for_list() == with_two
    assert with_two <= 15  # session, user, second factor, count, page, domains, plans, usage


def test_suspend_and_restore_from_the_detail_page(admin_client, hotel):
    url = f"/control/tenants/{hotel.pk}/status/"
    admin_client.post(url, {"to": "suspended", "reason": "owner asked"})
    hotel.refresh_from_db()
    assert hotel.status == TenantStatus.SUSPENDED
    assert Client(HTTP_HOST="hotel.localhost").get("/").status_code == 403
    admin_client.post(url, {"to": "active", "reason": "owner back"})
    hotel.refresh_from_db()
    assert hotel.status == TenantStatus.ACTIVE
    detail = admin_client.get(f"/control/tenants/{hotel.pk}/").content.decode()
    assert "owner asked" in detail
    assert "owner back" in detail
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="tenant.status_changed").count() == 2


def test_a_refused_transition_is_explained(admin_client, hotel):
    response = admin_client.post(
        f"/control/tenants/{hotel.pk}/status/", {"to": "purged", "reason": "x"}, follow=True
    )
    assert "cannot go from" in response.content.decode()
    hotel.refresh_from_db()
    assert hotel.status == TenantStatus.TRIAL


def test_unknown_tenant_ids_are_404(admin_client):
    assert admin_client.get("/control/tenants/999999/").status_code == 404
    assert admin_client.post("/control/tenants/999999/status/", {"to": "active"}).status_code == 404


def test_impersonation_needs_a_reason_and_is_recorded_on_both_sides(admin_client, hotel):
    refused = admin_client.post(f"/control/tenants/{hotel.pk}/impersonate/", {"reason": ""})
    assert refused["Location"] == f"/control/tenants/{hotel.pk}/"
    response = admin_client.post(
        f"/control/tenants/{hotel.pk}/impersonate/", {"reason": "ticket 42"}
    )
    location = urlsplit(response["Location"])
    assert location.netloc == "hotel.localhost"
    event = hotel.events.get(kind=TenantEvent.Kind.IMPERSONATION)
    assert (event.actor_label, event.reason) == (ADMIN_EMAIL, "ticket 42")
    # the admin's browser follows the hand-off into the cabinet
    inside = Client(HTTP_HOST="hotel.localhost")
    inside.post(location.path, {"t": location.query[2:]})
    page = inside.get("/staff/").content.decode()
    assert f"Platform admin {ADMIN_EMAIL} is working in this cabinet" in page
    assert inside.get("/").content.decode().count("banner-warn") == 1
    with tenant_context(hotel):
        entry = AuditEntry.objects.get(action="impersonation.started")
        assert entry.reason == "ticket 42"
        assert entry.impersonated_by == ADMIN_EMAIL


def test_impersonation_ends_by_itself_after_30_minutes(admin_client, hotel):
    import datetime as dt

    import time_machine

    response = admin_client.post(f"/control/tenants/{hotel.pk}/impersonate/", {"reason": "t"})
    location = urlsplit(response["Location"])
    inside = Client(HTTP_HOST="hotel.localhost")
    inside.post(location.path, {"t": location.query[2:]})
    assert inside.get("/staff/").status_code == 200
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=31)):
        assert inside.get("/staff/").status_code == 302  # back to the sign-in page
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="impersonation.expired").exists()


def test_pool_and_kpi_pages(admin_client):
    assert "Warm pool" in admin_client.get("/control/pool/").content.decode()
    kpis = admin_client.get("/control/kpis/").content.decode()
    assert "<svg" in kpis
    assert "live tenants" in kpis


def test_rows_show_the_plan_and_this_months_usage_and_the_detail_a_usage_chart(admin_client, hotel):
    from billing.usage import record

    with tenant_context(hotel):
        record("orders", 3, idempotency_key="order:1")
        record("bookings", 1, idempotency_key="booking:1")
    page = admin_client.get("/control/", {"q": "hotel"}).content.decode()
    assert "Business" in page  # a new tenant's trial
    assert "3 orders · 1 bookings" in page
    detail = admin_client.get(f"/control/tenants/{hotel.pk}/").content.decode()
    assert "Usage — Business plan" in detail
    assert detail.count("<rect") >= 30


def test_a_platform_admin_signing_in_without_a_next_lands_on_the_control_panel(platform_client):
    # given: an admin with a second factor, signing in from the bare sign-in page
    _admin, secret = make_admin()
    response = platform_client.post(
        "/accounts/login/", {"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 302
    # when: the second factor is given
    response = platform_client.post(response["Location"], {"code": current_code(secret)})
    # then: the control panel, not a 500 looking for a cabinet's home
    assert response.status_code == 302
    assert response["Location"] == "/control/"
