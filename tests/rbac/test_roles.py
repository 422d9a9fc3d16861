"""The built-in role groups: complete in every new cabinet, so a signup rewrites none of them."""

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from rbac.roles import group_name, role_permissions, roles_ensure


def held(role: str) -> set[str]:
    group = Group.objects.get(name=group_name(role))
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_a_new_cabinet_holds_every_permission_of_its_roles(school):
    # given a cabinet made from its vertical's template (the verticals' content permissions
    # are created after cabinet's post_migrate, which first made the groups)
    with tenant_context(school):
        # then each role group holds exactly what the role names
        for role, names in role_permissions().items():
            assert held(role) == set(names)


def test_ensuring_complete_roles_reads_three_times_and_writes_nothing(hotel):
    with tenant_context(hotel):
        # given complete roles
        roles_ensure()
        # when they are ensured again (every signup and every staff role change does)
        with CaptureQueriesContext(connection) as queries:
            groups = roles_ensure()
    # then: the permissions, the groups and their links are read; nothing is written
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert [s for s in statements if s in {"INSERT", "UPDATE", "DELETE"}] == []
    assert statements.count("SELECT") == 3
    assert set(groups) == set(role_permissions())


def test_a_role_missing_a_permission_gets_it_back(hotel):
    with tenant_context(hotel):
        # given the admin role lost one of its permissions, and the viewer's group is gone
        admin = Group.objects.get(name=group_name("admin"))
        lost = Permission.objects.get(content_type__app_label="cabinet", codename="change_event")
        admin.permissions.remove(lost)
        Group.objects.filter(name=group_name("viewer")).delete()
        # when
        roles_ensure()
        # then
        assert "cabinet.change_event" in held("admin")
        assert held("viewer") == set(role_permissions()["viewer"])
