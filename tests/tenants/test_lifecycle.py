import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from rbac.models import AuditEntry
from tenants.export import tenant_export
from tenants.lifecycle import TRANSITIONS, Actor, tenant_transition
from tenants.models import TenantEvent, TenantStatus
from tenants.services import tenant_purge

ADMIN = Actor(label="admin@kabinet.example.com", id=1)


def test_a_transition_is_audited_on_both_sides(hotel):
    # when
    tenant_transition(tenant=hotel, to=TenantStatus.SUSPENDED, actor=ADMIN, reason="chargeback")
    # then the platform's trail has it ...
    event = hotel.events.get(kind=TenantEvent.Kind.STATUS)
    assert (event.from_status, event.to_status) == (TenantStatus.TRIAL, TenantStatus.SUSPENDED)
    assert (event.actor_label, event.reason) == (ADMIN.label, "chargeback")
    # ... and so has the tenant's own audit log
    with tenant_context(hotel):
        entry = AuditEntry.objects.get(action="tenant.status_changed")
        assert entry.changes == {"status": ["trial", "suspended"]}
        assert entry.reason == "chargeback"


def test_every_transition_outside_the_machine_is_refused(hotel):
    for source, targets in TRANSITIONS.items():
        hotel.status = source
        hotel.save(update_fields=["status"])
        for target in set(TenantStatus.values) - set(targets) - {source}:
            with pytest.raises(ValidationError):
                tenant_transition(tenant=hotel, to=target, actor=ADMIN, reason="try")
    assert not hotel.events.filter(kind=TenantEvent.Kind.STATUS).exists()


def test_a_transition_needs_a_reason(hotel):
    with pytest.raises(ValidationError, match="reason"):
        tenant_transition(tenant=hotel, to=TenantStatus.ACTIVE, actor=ADMIN, reason="  ")


def test_purge_is_never_a_plain_transition(hotel):
    hotel.status = TenantStatus.ARCHIVED
    hotel.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        tenant_transition(tenant=hotel, to=TenantStatus.PURGED, actor=ADMIN, reason="bye")


def test_read_only_lets_clients_read_but_refuses_writes(hotel, hotel_client):
    tenant_transition(tenant=hotel, to=TenantStatus.ACTIVE, actor=ADMIN, reason="paid")
    tenant_transition(tenant=hotel, to=TenantStatus.PAST_DUE, actor=ADMIN, reason="card failed")
    tenant_transition(tenant=hotel, to=TenantStatus.GRACE, actor=ADMIN, reason="dunning")
    tenant_transition(tenant=hotel, to=TenantStatus.READ_ONLY, actor=ADMIN, reason="unpaid")
    page = hotel_client.get("/")
    assert page.status_code == 200
    assert "read-only" in page.content.decode()
    assert hotel_client.post("/api/v1/branding/", {}).status_code == 403
    assert hotel_client.post("/somewhere/", {}).status_code == 403
    # signing in still works
    assert hotel_client.post("/accounts/login/", {"login": "x", "password": "y"}).status_code == 400


def test_a_suspended_cabinet_still_lets_its_owner_sign_in(hotel, hotel_client):
    tenant_transition(tenant=hotel, to=TenantStatus.SUSPENDED, actor=ADMIN, reason="test")
    assert hotel_client.get("/").status_code == 403
    assert hotel_client.get("/accounts/login/").status_code == 200
    assert hotel_client.get("/static/css/kabinet.css").status_code in (200, 404)


def test_archiving_keeps_an_export_and_purge_waits_for_retention(hotel, settings):
    tenant_transition(tenant=hotel, to=TenantStatus.ARCHIVED, actor=ADMIN, reason="closed")
    # the task runs on commit in production; here we run the export directly
    path = tenant_export(tenant=hotel)
    assert path.exists()
    assert path.stat().st_size > 0
    with pytest.raises(ValidationError, match="retention"):
        tenant_purge(tenant=hotel, confirmation="hotel", actor=ADMIN)
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=settings.TENANT_PURGE_RETENTION_DAYS + 1)
    with time_machine.travel(later):
        with pytest.raises(ValidationError, match="address"):
            tenant_purge(tenant=hotel, confirmation="HOTEL-typo", actor=ADMIN)
        tenant_purge(tenant=hotel, confirmation="hotel", actor=ADMIN)
    connection.set_schema_to_public()
    assert not schema_exists("hotel")
    hotel.refresh_from_db()
    assert hotel.status == TenantStatus.PURGED
    assert not hotel.domains.exists()
    assert Client(HTTP_HOST="hotel.localhost").get("/").status_code == 404


def test_purge_needs_a_kept_export(hotel, settings):
    tenant_transition(tenant=hotel, to=TenantStatus.ARCHIVED, actor=ADMIN, reason="closed")
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=settings.TENANT_PURGE_RETENTION_DAYS + 1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="export"):
        tenant_purge(tenant=hotel, confirmation="hotel", actor=ADMIN)
    assert schema_exists("hotel")
