"""A client's activity: their last visit is kept (staff see it; long-inactive clients are hidden
from operators), and each active client is reported to billing once a month."""

import datetime as dt

import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import UsageEvent
from billing.reports import usage_report
from cabinet.accounts.models import ClientProfile
from tests.factories import UserFactory


def a_signed_in_client(tenant, host: str = "hotel.localhost"):
    with tenant_context(tenant):
        profile = ClientProfile.objects.create(
            user=UserFactory(), last_activity_at=timezone.now() - dt.timedelta(days=400)
        )
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(profile.user)
    return profile, browser


def test_a_visit_marks_the_client_active_once_an_hour_and_once_a_month_for_billing(hotel):
    cache.clear()
    profile, browser = a_signed_in_client(hotel)
    for _ in range(3):
        assert browser.get("/").status_code == 200
    with tenant_context(hotel):
        profile.refresh_from_db()
        assert timezone.now() - profile.last_activity_at < dt.timedelta(minutes=1)
    assert UsageEvent.objects.filter(tenant=hotel, metric="active_clients").count() == 1
    line = next(m for m in usage_report(hotel).lines if m.metric == "active_clients")
    assert (line.used, line.quota) == (1, None)  # shown, not billed
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        cache.clear()
        with tenant_context(hotel):
            browser.force_login(profile.user)  # the old session has long expired
        browser.get("/")
    assert UsageEvent.objects.filter(tenant=hotel, metric="active_clients").count() == 2


def test_a_visit_costs_no_query_once_the_hour_is_marked(hotel):
    cache.clear()
    _profile, browser = a_signed_in_client(hotel)
    browser.get("/wallet/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        browser.get("/wallet/")
    assert not any(
        q["sql"].startswith("UPDATE") and "last_activity_at" in q["sql"]
        for q in queries.captured_queries
    )


def test_staff_and_other_tenants_are_not_counted(hotel, shop):
    cache.clear()
    with tenant_context(hotel):
        staff = UserFactory(is_staff=True)
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(staff)
    browser.get("/staff/")
    _profile, shop_browser = a_signed_in_client(shop, host="shop.localhost")
    shop_browser.get("/")
    assert not UsageEvent.objects.filter(tenant=hotel, metric="active_clients").exists()
    assert UsageEvent.objects.filter(tenant=shop, metric="active_clients").count() == 1
