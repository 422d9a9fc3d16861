import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from rbac.audit import audit_record
from rbac.models import AuditEntry


def test_the_audit_log_refuses_update_and_delete_in_the_database(hotel):
    with tenant_context(hotel):
        entry = audit_record(action="test.write", actor_label="tester")
        for statement in (
            "UPDATE rbac_auditentry SET action = 'forged'",
            "DELETE FROM rbac_auditentry",
            "TRUNCATE rbac_auditentry",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
        assert AuditEntry.objects.get(pk=entry.pk).action == "test.write"


def test_audit_entries_stay_in_their_tenant(hotel, shop):
    with tenant_context(hotel):
        audit_record(action="hotel.only", actor_label="tester")
    with tenant_context(shop):
        assert not AuditEntry.objects.filter(action="hotel.only").exists()
