"""The audit log is append-only, enforced by the database: UPDATE and DELETE raise, whoever
runs them. (TRUNCATE too; a schema drop still removes the whole tenant.)"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION rbac_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rbac_auditentry_no_update_delete
    BEFORE UPDATE OR DELETE ON rbac_auditentry
    FOR EACH ROW EXECUTE FUNCTION rbac_auditentry_append_only();

CREATE TRIGGER rbac_auditentry_no_truncate
    BEFORE TRUNCATE ON rbac_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION rbac_auditentry_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS rbac_auditentry_no_update_delete ON rbac_auditentry;
DROP TRIGGER IF EXISTS rbac_auditentry_no_truncate ON rbac_auditentry;
DROP FUNCTION IF EXISTS rbac_auditentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("rbac", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
