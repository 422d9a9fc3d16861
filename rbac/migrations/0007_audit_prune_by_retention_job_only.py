"""The audit log stays append-only, with one exception: the retention job may delete rows older
than the owner's retention period. It announces itself with a transaction-local setting
(`SET LOCAL kabinet.audit_prune = 'on'`, rbac.audit.audit_prune); UPDATE and TRUNCATE stay
refused for everyone."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION rbac_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kabinet.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION rbac_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("rbac", "0006_audit_retention_days")]

    operations = [migrations.RunSQL(FORBID, PREVIOUS)]
