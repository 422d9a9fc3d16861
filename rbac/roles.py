"""Built-in staff roles as permission groups. The owner is the tenant's superuser; the others get
exactly these permissions, and object permissions (django-guardian) for what is assigned to them."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from rbac.models import StaffProfile, User

Role = StaffProfile.Role

CONTENT_PERMISSIONS = [
    f"cabinet.{action}_{model}"
    for model in ("catalogitem", "catalogcategory", "event", "infopage", "offer", "club")
    for action in ("add", "change", "delete", "view")
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        "cabinet.view_all_clients", "cabinet.view_personal_data", "cabinet.export_clients",
        "cabinet.assign_clients", "cabinet.change_clientprofile", *CONTENT_PERMISSIONS,
    ],
    Role.MANAGER: [
        "cabinet.view_team_clients", "cabinet.view_personal_data", "cabinet.assign_clients",
        "cabinet.change_clientprofile", *CONTENT_PERMISSIONS,
    ],
    Role.OPERATOR: ["cabinet.view_personal_data", "cabinet.change_clientprofile"],
    Role.VIEWER: [],
}  # fmt: skip


def group_name(role: str) -> str:
    return f"role:{role}"


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.filter(content_type__app_label__in={a for a, _ in wanted})
    return [p for p in found.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted]  # fmt: skip


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create or bring up to date the role groups of the current tenant (idempotent)."""
    groups = {}
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set(_permissions(names))
        groups[role] = group
    return groups


@transaction.atomic
def role_set(*, user: User, role: str, team_id: int | None = None) -> StaffProfile:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    groups = roles_ensure()
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    profile.role, profile.team_id = role, team_id
    profile.save(update_fields=["role", "team"])
    user.groups.remove(*[g for r, g in groups.items() if r != role])
    user.groups.add(groups[role])
    return profile
