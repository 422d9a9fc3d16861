"""The built-in admin and manager roles may change the booking rules (issue: a setting with no
editor). A new cabinet's role groups get the permission from `rbac.roles.roles_ensure`; this
grants it to the groups of cabinets that exist already, in SQL so the roll-out takes the fast
path (tenants.migration_runner). In a schema being built, neither the groups nor the permission
exist yet: it inserts nothing, and roles_ensure fills the groups after the migrations."""

from django.db import migrations

GRANT = """
INSERT INTO auth_group_permissions (group_id, permission_id)
SELECT g.id, p.id
FROM auth_group g
CROSS JOIN auth_permission p
JOIN django_content_type ct ON ct.id = p.content_type_id
WHERE g.name IN ('role:admin', 'role:manager')
  AND ct.app_label = 'clinic' AND ct.model = 'bookingrules'
  AND p.codename = 'change_bookingrules'
ON CONFLICT DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0002_constraints_as_equalities"),
    ]

    operations = [migrations.RunSQL(GRANT, reverse_sql=migrations.RunSQL.noop)]
