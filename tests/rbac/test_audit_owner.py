import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from rbac.audit import audit_prune, audit_record
from rbac.models import AuditEntry, User
from tests.factories import UserFactory


@pytest.fixture
def owner_client(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))
    return hotel_client


def test_the_owner_searches_and_filters_the_audit_log(hotel, owner_client):
    with tenant_context(hotel):
        audit_record(action="client.viewed", actor_label="anna@hotel.example.com")
    page = owner_client.get(
        "/staff/audit/", {"action": "client.", "actor": "anna"}
    ).content.decode()
    assert "client.viewed" in page
    assert "tenant.created" not in page
    for hostile in (
        {"since": "not-a-date"},
        {"q": "' OR 1=1 --"},
        {"page": "99999"},
        {"q": "x" * 9999},
    ):
        assert owner_client.get("/staff/audit/", hostile).status_code == 200


def test_the_export_carries_who_made_it_and_is_audited(hotel, owner_client):
    body = owner_client.get("/staff/audit/export/").content.decode("utf-8-sig")
    assert body.startswith("# Audit log exported by owner@hotel.example.com")
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="audit.exported").exists()


def test_only_the_owner_reads_the_audit_log(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=True))
    assert hotel_client.get("/staff/audit/").status_code == 403
    assert hotel_client.get("/staff/audit/export/").status_code == 403


def test_retention_prunes_old_rows_through_the_one_audited_job(hotel):
    with tenant_context(hotel):
        with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=800)):
            audit_record(action="ancient", actor_label="x")
        audit_record(action="recent", actor_label="x")
        assert audit_prune(retention_days=730) == 1
        assert not AuditEntry.objects.filter(action="ancient").exists()
        assert AuditEntry.objects.filter(action="recent").exists()
        assert AuditEntry.objects.get(action="audit.pruned").changes["deleted"] == 1
        # outside the job, deleting is still refused
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM rbac_auditentry WHERE action = 'recent'")
