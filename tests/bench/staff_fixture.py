"""The tenant of the staff benchmark: 100,000 clients, their staff and the guardian grants.

Made fast, without changing what the back office reads:

- clients: rbac.User and cabinet.ClientProfile rows by bulk_create in batches of BATCH (Django
  fills defaults, so columns added later are still right), with an unusable password (the
  "!" prefix of make_password(None), no hashing per user); `last_activity_at` spread uniformly
  over the last ACTIVITY_SPREAD_DAYS days, so about 1 in 10 are past the default 365-day
  "inactive client" cutoff, as in a real cabinet;
- staff: one admin, one manager and the measured operator, both in "Team 0", via
  rbac.roles.role_set; OTHER_OPERATORS more operators dealt over TEAMS teams (so the manager's
  team has 21 operators) by bulk_create of their User, StaffProfile and role-group membership
  rows (what role_set writes, without its per-user queries);
- assignments: every client is first assigned to one of the other operators (500 each, dealt at
  random; HISTORY_SHARE of the clients also carry an older, ended assignment to someone else):
  Assignment rows and guardian's ClientProfileUserObjectPermission rows (user, the
  cabinet.view_clientprofile permission, content_object) by bulk_create, which is exactly the
  row guardian.shortcuts.assign_perm writes for a user and one object of a model with a direct
  foreign-key permission table; then MY_CLIENTS of them are handed to the operator with the real
  cabinet.staff.services.client_assign (guardian remove_perm from the previous operator +
  assign_perm, an ended Assignment, an audit entry), so the operator ends with 50 clients and
  the other 200 share the other 99,950;
- finally ANALYZE of the tables the list reads, as autovacuum would do after such a load.
"""

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

CLIENTS = 100_000
OTHER_OPERATORS = 200
TEAMS = 10
MY_CLIENTS = 50
BATCH = 10_000
ACTIVITY_SPREAD_DAYS = 400
HISTORY_SHARE = 0.2
SEED = 20_240_601
UNUSABLE_PASSWORD = "!bench-unusable"  # make_password(None) also starts with "!": never matches


@dataclass(frozen=True)
class Fixture:
    admin_pk: int
    manager_pk: int
    operator_pk: int
    owner_pk: int
    clients: int
    my_clients: int
    other_operators: int
    manager_team_operators: int
    seconds: dict[str, float]
    rows: dict[str, int]


def _batches(items: list, size: int = BATCH) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _staff_user(email: str, name: str) -> Any:
    """A staff member with an unusable password (create_user(password=None): no hashing)."""
    from rbac.models import User

    return User.objects.create_user(email=email, password=None, full_name=name, is_staff=True)


def build() -> Fixture:
    """In the current tenant's schema (the caller is inside tenant_context)."""
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.utils import timezone

    from cabinet.accounts.models import Assignment, ClientProfile, ClientProfileUserObjectPermission
    from cabinet.staff.services import client_assign
    from rbac.models import StaffProfile, Team, User
    from rbac.roles import role_set, roles_ensure

    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    groups = roles_ensure()
    teams = [Team.objects.create(name=f"Team {index}") for index in range(TEAMS)]
    front_desk = teams[0]
    owner = User.objects.get(is_superuser=True)
    admin = _staff_user("admin@bench.example.com", "Ada Admin")
    role_set(user=admin, role=StaffProfile.Role.ADMIN)
    manager = _staff_user("manager@bench.example.com", "Max Manager")
    role_set(user=manager, role=StaffProfile.Role.MANAGER, team_id=front_desk.pk)
    operator = _staff_user("operator@bench.example.com", "Olga Operator")
    role_set(user=operator, role=StaffProfile.Role.OPERATOR, team_id=front_desk.pk)

    now = timezone.now()
    others = User.objects.bulk_create(
        [
            User(
                email=f"operator{index:03d}@bench.example.com",
                full_name=f"Operator {index:03d}",
                password=UNUSABLE_PASSWORD,
                is_staff=True,
                date_joined=now,
            )
            for index in range(OTHER_OPERATORS)
        ]
    )
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user=user, role=StaffProfile.Role.OPERATOR, team=teams[index % TEAMS])
            for index, user in enumerate(others)
        ]
    )
    membership = User.groups.through
    operator_group = groups[StaffProfile.Role.OPERATOR]  # the group role_set would add
    membership.objects.bulk_create(
        [membership(user_id=user.pk, group_id=operator_group.pk) for user in others]
    )
    seconds["staff (role_set x3, 200 operators in bulk)"] = time.perf_counter() - started

    started = time.perf_counter()
    client_users = []
    for batch in _batches(list(range(CLIENTS))):
        client_users += User.objects.bulk_create(
            [
                User(
                    email=f"client{index:06d}@bench.example.com",
                    full_name=f"Client {index:06d}",
                    password=UNUSABLE_PASSWORD,
                    date_joined=now,
                )
                for index in batch
            ]
        )
    seconds["100,000 client users (bulk_create)"] = time.perf_counter() - started

    started = time.perf_counter()
    spread = ACTIVITY_SPREAD_DAYS * 86_400
    profiles: list[ClientProfile] = []
    for batch in _batches(client_users):
        profiles += ClientProfile.objects.bulk_create(
            [
                ClientProfile(
                    user_id=user.pk,
                    phone=f"+44 7700 9{rng.randrange(100_000):05d}",
                    address=f"{rng.randrange(1, 200)} Harbour Road",
                    last_activity_at=now - timedelta(seconds=rng.randrange(spread)),
                )
                for user in batch
            ]
        )
    seconds["100,000 client profiles (bulk_create)"] = time.perf_counter() - started

    # Every client to one of the other operators (contiguous blocks of ids would make the
    # grants of one operator physically clustered: deal them out at random instead).
    started = time.perf_counter()
    view = Permission.objects.get(content_type__app_label="cabinet", codename="view_clientprofile")
    order = list(range(CLIENTS))
    rng.shuffle(order)
    per_operator = CLIENTS // OTHER_OPERATORS
    holder = {
        profiles[position].pk: others[rank // per_operator] for rank, position in enumerate(order)
    }
    assignments: list[Assignment] = []
    grants: list[ClientProfileUserObjectPermission] = []
    for profile in profiles:
        staff = holder[profile.pk]
        if rng.random() < HISTORY_SHARE:
            before = others[rng.randrange(OTHER_OPERATORS)]
            assignments.append(
                Assignment(
                    client_id=profile.pk,
                    staff_id=before.pk,
                    assigned_by_id=admin.pk,
                    assigned_at=now - timedelta(days=500),
                    ended_at=now - timedelta(days=200),
                )
            )
        assignments.append(
            Assignment(
                client_id=profile.pk,
                staff_id=staff.pk,
                assigned_by_id=admin.pk,
                assigned_at=now - timedelta(days=200),
            )
        )
        grants.append(
            ClientProfileUserObjectPermission(
                user_id=staff.pk, permission_id=view.pk, content_object_id=profile.pk
            )
        )
    for batch in _batches(assignments):
        Assignment.objects.bulk_create(batch)
    seconds["assignments (bulk_create)"] = time.perf_counter() - started
    started = time.perf_counter()
    for batch in _batches(grants):
        ClientProfileUserObjectPermission.objects.bulk_create(batch)
    seconds["guardian grants (bulk_create)"] = time.perf_counter() - started

    # The operator's clients, through the real service: spread over the id range and activity.
    started = time.perf_counter()
    step = CLIENTS // MY_CLIENTS
    for index in range(MY_CLIENTS):
        client_assign(client=profiles[index * step + step // 2], staff=operator, by=admin)
    seconds[f"{MY_CLIENTS} x client_assign (guardian remove_perm + assign_perm)"] = (
        time.perf_counter() - started
    )

    started = time.perf_counter()
    tables = [
        User._meta.db_table,
        ClientProfile._meta.db_table,
        Assignment._meta.db_table,
        ClientProfileUserObjectPermission._meta.db_table,
        StaffProfile._meta.db_table,
        membership._meta.db_table,
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our own table names
            rows[table] = cursor.fetchone()[0]
    seconds["ANALYZE"] = time.perf_counter() - started

    return Fixture(
        admin_pk=admin.pk,
        manager_pk=manager.pk,
        operator_pk=operator.pk,
        owner_pk=owner.pk,
        clients=len(profiles),
        my_clients=MY_CLIENTS,
        other_operators=len(others),
        manager_team_operators=1 + sum(1 for index in range(OTHER_OPERATORS) if index % TEAMS == 0),
        seconds=seconds,
        rows=rows,
    )
