"""Built-in staff roles as permission groups. The owner is the tenant's superuser; the others get
exactly these permissions, and object permissions (django-guardian) for what is assigned to them."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_noop

from rbac.models import StaffProfile, User
from tenants.verticals import vertical_configs

Role = StaffProfile.Role

CORE_CONTENT_MODELS = (
    ("cabinet", "catalogitem"), ("cabinet", "catalogcategory"), ("cabinet", "event"),
    ("cabinet", "infopage"), ("cabinet", "offer"), ("cabinet", "club"),
)  # fmt: skip
# the owner's own fields on clients, orders, bookings and the verticals' records (issue 22)
FIELD_PERMISSIONS = [
    f"cabinet.{action}_customfield" for action in ("add", "change", "delete", "view")
]
# The business's recurring plans for its clients (cabinet.memberships); admins manage them.
MEMBERSHIP_PERMISSIONS = [
    f"cabinet.{action}_membershipplan" for action in ("add", "change", "view")
]


def content_permissions() -> list[str]:
    """Editing what the cabinet shows: the core's content and every vertical's (its
    `content_models`)."""
    content_models = [*CORE_CONTENT_MODELS]
    for vertical in vertical_configs():
        content_models += vertical.content_models
    return [
        f"{app}.{action}_{model}"
        for app, model in content_models
        for action in ("add", "change", "delete", "view")
    ]


CORE_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        "cabinet.view_all_clients", "cabinet.view_personal_data", "cabinet.export_clients",
        "cabinet.assign_clients", "cabinet.change_clientprofile", "cabinet.adjust_wallet",
        "cabinet.moderate_community", "cabinet.add_clientprofile", "cabinet.end_client_sessions",
        "cabinet.answer_reviews", "cabinet.manage_surveys", *FIELD_PERMISSIONS,
        *MEMBERSHIP_PERMISSIONS,
    ],
    Role.MANAGER: [
        "cabinet.view_team_clients", "cabinet.view_personal_data", "cabinet.assign_clients",
        "cabinet.change_clientprofile", "cabinet.adjust_wallet", "cabinet.moderate_community",
        "cabinet.add_clientprofile", "cabinet.end_client_sessions", "cabinet.answer_reviews",
        "cabinet.manage_surveys",
    ],
    Role.OPERATOR: [
        "cabinet.view_personal_data", "cabinet.change_clientprofile", "cabinet.moderate_community",
        "cabinet.add_clientprofile", "cabinet.answer_reviews",
    ],
    Role.VIEWER: [],
}  # fmt: skip
CONTENT_ROLES = (Role.ADMIN, Role.MANAGER)  # edit the cabinet's content
# A custom role's permissions are the owner's choice (custom_role_save); not a built-in group.


def role_permissions() -> dict[str, list[str]]:
    """Each built-in role's permissions: the core's, the content editors' and what every
    installed vertical adds (its `role_permissions`)."""
    content = content_permissions()
    roles = {}
    for role, names in CORE_ROLE_PERMISSIONS.items():
        added = [p for v in vertical_configs() for p in v.role_permissions.get(role, [])]
        roles[role] = [*names, *added, *(content if role in CONTENT_ROLES else [])]
    return roles


# What an owner may compose a custom role from: the permissions that mean something to them.
CORE_PERMISSION_CATALOG: dict[str, list[str]] = {
    gettext_noop("See every client"): ["cabinet.view_all_clients"],
    gettext_noop("See the team's clients"): ["cabinet.view_team_clients"],
    gettext_noop("Reveal a masked field, with a reason"): ["cabinet.view_personal_data"],
    gettext_noop("Export the client list"): ["cabinet.export_clients"],
    gettext_noop("Assign clients to staff"): ["cabinet.assign_clients"],
    gettext_noop("Edit client notes and custom fields"): ["cabinet.change_clientprofile"],
    gettext_noop("Create and invite clients (front desk)"): ["cabinet.add_clientprofile"],
    gettext_noop("Adjust balances and points, with a reason"): ["cabinet.adjust_wallet"],
    gettext_noop("Moderate the community (hide, lock, ban)"): ["cabinet.moderate_community"],
    gettext_noop("Sign a client out of every device"): ["cabinet.end_client_sessions"],
    gettext_noop("Manage membership plans and see their subscribers"): MEMBERSHIP_PERMISSIONS,
    gettext_noop("Manage services, pages, events, offers and clubs"): [],  # content_permissions
    gettext_noop("Define custom fields"): FIELD_PERMISSIONS,
    gettext_noop("Answer client reviews"): ["cabinet.answer_reviews"],
    gettext_noop("Design and send surveys, see their results"): ["cabinet.manage_surveys"],
}
CONTENT_ABILITY = "Manage services, pages, events, offers and clubs"


def permission_catalog() -> dict[str, list[str]]:
    """The abilities an owner composes custom roles from: the core's, then every vertical's."""
    catalog = {**CORE_PERMISSION_CATALOG, CONTENT_ABILITY: content_permissions()}
    for vertical in vertical_configs():
        catalog.update(vertical.permission_catalog)
    return catalog


CUSTOM_PREFIX = "custom:"


def group_name(role: str) -> str:
    return f"role:{role}"


def custom_roles() -> list[Group]:
    return list(
        Group.objects.filter(name__startswith=CUSTOM_PREFIX).prefetch_related("permissions")
    )


@transaction.atomic
def custom_role_save(*, name: str, abilities: list[str]) -> Group:
    """Create or update the owner's role `name` from abilities of `permission_catalog()`."""
    name = " ".join(name.split())[:60]
    catalog = permission_catalog()
    unknown = [a for a in abilities if a not in catalog]
    if not name or unknown:
        raise ValueError("a name and known abilities are needed")
    group, _created = Group.objects.get_or_create(name=f"{CUSTOM_PREFIX}{name}")
    group.permissions.set(_permissions([p for a in abilities for p in catalog[a]]))
    return group


def _permission_ids(names: list[str]) -> dict[str, int]:
    """ "app_label.codename" -> permission id, for the names that exist (one query, no model
    instances)."""
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.filter(
        content_type__app_label__in={a for a, _ in wanted}, codename__in={c for _, c in wanted}
    ).values_list("pk", "content_type__app_label", "codename")
    return {f"{a}.{c}": pk for pk, a, c in found if (a, c) in wanted}


def _permissions(names: list[str]) -> list[int]:
    return list(_permission_ids(names).values())


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create or bring up to date the role groups of the current tenant (idempotent). A cabinet
    cloned from its template has them already: then this is three reads and no write (it runs in
    every signup and every staff role change)."""
    wanted = role_permissions()
    pk_of = _permission_ids([n for names in wanted.values() for n in names])
    names = {role: group_name(role) for role in wanted}
    groups = {g.name: g for g in Group.objects.filter(name__in=names.values())}
    held: dict[int, set[int]] = {}
    for group_id, permission_id in Group.permissions.through.objects.filter(
        group_id__in=[g.pk for g in groups.values()]
    ).values_list("group_id", "permission_id"):
        held.setdefault(group_id, set()).add(permission_id)
    result = {}
    for role, permission_names in wanted.items():
        group = groups.get(names[role])
        if group is None:
            group = Group.objects.create(name=names[role])
        target = {pk_of[n] for n in permission_names if n in pk_of}
        if held.get(group.pk, set()) != target:
            group.permissions.set(target)
        result[role] = group
    return result


@transaction.atomic
def role_set(
    *, user: User, role: str, team_id: int | None = None, custom: Group | None = None
) -> StaffProfile:
    if role not in Role.values or (role == Role.CUSTOM) != (custom is not None):
        raise ValueError(f"unknown role {role!r}")
    groups = roles_ensure()
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    profile.role, profile.team_id, profile.custom_role = role, team_id, custom
    profile.save(update_fields=["role", "team", "custom_role"])
    user.groups.clear()
    user.groups.add(custom if custom is not None else groups[role])
    return profile
