"""What the proposed production changes would buy, measured in the benchmark's process only: each
change is monkeypatched for the duration of its measurement (nothing under the project is edited),
and each must give the same page and the same set of visible clients as the code as it is.

  P1  the operator's grants as one semi-join: clients_for filters
      `pk__in=<user grants UNION group grants>` on the direct-FK guardian tables, instead of
      guardian.shortcuts.get_objects_for_user's `pk IN (user grants) OR pk IN (group grants)`
      (each also re-filtered by `content_object_id IN (SELECT id FROM cabinet_clientprofile)`),
      which PostgreSQL can only evaluate as a filter on every client row;
  P1- for comparison, P1's smallest alternative: guardian as it is called now, plus
      use_groups=False (drops the OR, but also the group grants, which nothing writes today);
  P2  clients_for reads the staff profile only in the team branch (after has_perm says
      view_team_clients), not before it for everyone;
  P3  the user's and their groups' permissions in one query (a UNION) instead of ModelBackend's
      two, in get_all_permissions (in production: an rbac backend subclassing ModelBackend);
  P4  the manager's team as a semi-join: `pk__in=<current assignments of the team's members>`
      instead of joining assignment -> user -> staff profile (P1 and P2 included);
  P5  the staff profile loaded with the user: get_user with select_related("staff_profile") (the
      same rbac backend), so staff_role() for the page heading costs no query;
  P6  usersessions' activity tracking (a SELECT of the session row, a lazy SELECT of its user,
      an UPDATE, BEGIN and COMMIT on every request) only when IdleTimeoutMiddleware refreshes its
      last-seen mark (every 30 s), through a wrapper of allauth's track_activity;
  P7  SESSION_ENGINE cached_db: the session read from the (tenant-prefixed) cache.

P1, P2 and P4 have since been adopted in cabinet.staff.selectors and P6 as
rbac.middleware.UserSessionsMiddleware, so "as it is" already includes them and their rows
measure the same code again; P3, P5 and P7 remain proposals.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any

from tests.bench.harness import say
from tests.bench.provisioning_agent import patched
from tests.bench.staff_measure import (
    Series,
    execution_ms,
    explain,
    fresh_user,
    list_statements,
    measure_selector,
    measure_view,
    table_header,
    visible_ids,
)

WHATIF_REPS = 150
WHATIF_VIEW_REPS = 150
VIEW_PERM = "cabinet.view_clientprofile"


# --- The proposed code, as it would read in production -------------------------------------------


def granted_clients(user: Any, perms: str, klass: Any, **_guardian_options: Any) -> Any:
    """P1: what clients_for would do instead of get_objects_for_user(staff, VIEW, klass=base,
    accept_global_perms=False, with_superuser=False): the same grants (the user's own and their
    groups'), as one `IN (… UNION …)` the planner turns into a semi-join driven by the grants."""
    from django.db.models import Q
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    app_label, codename = perms.split(".", 1)
    which = Q(permission__codename=codename, permission__content_type__app_label=app_label)
    model = klass.model
    mine = get_user_obj_perms_model(model).objects.filter(which, user=user)
    via_groups = get_group_obj_perms_model(model).objects.filter(which, group__user=user)
    return klass.filter(
        pk__in=mine.values("content_object_id").union(via_groups.values("content_object_id"))
    )


def user_with_profile(pk: int) -> Any:
    """P5, as measurement (1) loads the user."""
    from rbac.models import User

    return User.objects.select_related("staff_profile").get(pk=pk)


def get_user_with_profile(self: Any, user_id: Any) -> Any:
    """P5: ModelBackend.get_user, with the staff profile in the same query."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    try:
        user = user_model._default_manager.select_related("staff_profile").get(pk=user_id)
    except user_model.DoesNotExist:
        return None
    return user if self.user_can_authenticate(user) else None


def all_permissions_one_query(self: Any, user_obj: Any, obj: Any = None) -> set[str]:
    """P3: ModelBackend.get_all_permissions with one UNION query for user and group permissions
    (superusers keep Django's `all permissions`)."""
    from django.contrib.auth.models import Permission

    if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
        return set()
    if not hasattr(user_obj, "_perm_cache"):
        fields = ("content_type__app_label", "codename")
        if user_obj.is_superuser:
            rows = Permission.objects.values_list(*fields)
        else:
            rows = (
                Permission.objects.filter(user=user_obj)
                .values_list(*fields)
                .union(Permission.objects.filter(group__user=user_obj).values_list(*fields))
            )
        user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
    return user_obj._perm_cache


def proposed_clients_for(staff: Any) -> Any:
    """cabinet.staff.selectors.clients_for with P1, P2 and P4; the rest as it is."""
    from datetime import timedelta

    from django.utils import timezone

    from cabinet.accounts.models import Assignment, ClientProfile
    from rbac.models import StaffProfile
    from rbac.policy import policy_get

    base = ClientProfile.objects.select_related("user").order_by("-last_activity_at", "-pk")
    if not staff.is_active or not staff.is_staff:
        return base.none()
    if staff.is_superuser or staff.has_perm("cabinet.view_all_clients"):
        return base
    team_id = None
    if staff.has_perm("cabinet.view_team_clients"):  # P2: the profile only when it matters
        profile = getattr(staff, "staff_profile", None)
        team_id = profile.team_id if profile else None
    if team_id:  # P4
        team = StaffProfile.objects.filter(team_id=team_id).values("user_id")
        current = Assignment.objects.filter(ended_at__isnull=True, staff_id__in=team)
        visible = base.filter(pk__in=current.values("client_id"))
    else:  # P1
        visible = granted_clients(staff, VIEW_PERM, klass=base)
    cutoff = timezone.now() - timedelta(days=policy_get().inactive_client_days)
    return visible.filter(last_activity_at__gte=cutoff)


def track_activity_when_seen_refreshes(track_activity: Callable[..., None]) -> Callable[..., None]:
    """P6: allauth's track_activity only when IdleTimeoutMiddleware will rewrite its last-seen mark
    (absent, or at least SEEN_RESOLUTION_SECONDS old): at most twice a minute per session."""
    import time

    from rbac.middleware import SEEN_KEY, SEEN_RESOLUTION_SECONDS

    def throttled(request: Any, *, user: Any, session: Any) -> None:
        seen = session.get(SEEN_KEY) if session is not None else None
        if seen is None or time.time() - seen >= SEEN_RESOLUTION_SECONDS:
            track_activity(request, user=user, session=session)

    return throttled


# --- Applying them -------------------------------------------------------------------------------


@contextmanager
def applied(*changes: str) -> Iterator[None]:
    from allauth.usersessions.internal import usersessionkit
    from django.contrib.auth.backends import ModelBackend

    from cabinet.staff import selectors

    with ExitStack() as stack:
        if "P1" in changes:
            stack.enter_context(patched(selectors, "get_objects_for_user", granted_clients))
        if "P1-" in changes:
            from guardian.shortcuts import get_objects_for_user

            users_only = partial(get_objects_for_user, use_groups=False)
            stack.enter_context(patched(selectors, "get_objects_for_user", users_only))
        if {"P2", "P4"} & set(changes):
            stack.enter_context(patched(selectors, "clients_for", proposed_clients_for))
        if "P3" in changes:
            stack.enter_context(
                patched(ModelBackend, "get_all_permissions", all_permissions_one_query)
            )
        if "P5" in changes:
            stack.enter_context(patched(ModelBackend, "get_user", get_user_with_profile))
        if "P6" in changes:
            throttled = track_activity_when_seen_refreshes(usersessionkit.track_activity)
            stack.enter_context(patched(usersessionkit, "track_activity", throttled))
        if "P7" in changes:
            from django.test.utils import override_settings

            engine = "django.contrib.sessions.backends.cached_db"
            stack.enter_context(override_settings(SESSION_ENGINE=engine))
        yield


def same_result(pk: int, baseline: tuple[list[int], set[int]], load: Callable[[int], Any]) -> str:
    page, everything = visible_ids(pk, load)
    if page == baseline[0] and everything == baseline[1]:
        return "same page, same set"
    raise AssertionError(f"a what-if changed the result for user {pk}: not a pure optimisation")


def report(rows: list[tuple[str, Series, str]]) -> None:
    say(table_header(48) + "  result")
    for name, series, check in rows:
        say(f"{series.row(name, 48)}  {check}")


def page_plan(pk: int, load: Callable[[int], Any]) -> tuple[str, str, list[str]]:
    """EXPLAIN ANALYZE execution times of the COUNT and the page query, and the page's plan."""
    statements = [s for s in list_statements(pk, load) if "cabinet_clientprofile" in s]
    count = next(s for s in statements if s.upper().startswith("SELECT COUNT("))
    page = next(s for s in statements if s.rstrip().endswith("LIMIT 25"))
    page_lines = explain(page)
    return execution_ms(explain(count)), execution_ms(page_lines), page_lines


SELECTOR_CASES: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    # (label, role, changes, load the user with its staff profile)
    ("operator  as it is", "operator", (), False),
    ("operator  P1- guardian with use_groups=False", "operator", ("P1-",), False),
    ("operator  P1 grants as one semi-join", "operator", ("P1",), False),
    ("operator  P1+P2 profile only for teams", "operator", ("P1", "P2"), False),
    ("operator  P1+P2+P3 permissions in one query", "operator", ("P1", "P2", "P3"), False),
    ("manager   as it is", "manager", (), False),
    ("manager   P4 team as a semi-join", "manager", ("P4",), False),
    ("manager   P4+P3+P5", "manager", ("P4", "P3", "P5"), True),
    ("admin     as it is", "admin", (), False),
    ("admin     P3 permissions in one query", "admin", ("P3",), False),
)
PLANS_SHOWN = (
    "operator  P1+P2+P3 permissions in one query",
    "manager   as it is",
    "manager   P4 team as a semi-join",
)


def group_grant_check(staff: dict[str, int]) -> None:
    """P1 must keep guardian's semantics where this data set cannot show it: with a client granted
    to the operators' role group (guardian assign_perm on a group, rolled back afterwards), the
    operator sees it as it is and with P1; P1- would lose it."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from guardian.shortcuts import assign_perm

    from cabinet.accounts.models import ClientProfile
    from rbac.roles import group_name

    operator = staff["operator"]
    mine = visible_ids(operator)[1]
    newest = ClientProfile.objects.order_by("-last_activity_at").values_list("pk", flat=True)[:50]
    client = ClientProfile.objects.get(pk=next(pk for pk in newest if pk not in mine))
    counts = {}
    with transaction.atomic():
        assign_perm(VIEW_PERM, Group.objects.get(name=group_name("operator")), client)
        for name, changes in (("as it is", ()), ("P1", ("P1",)), ("P1-", ("P1-",))):
            with applied(*changes):
                counts[name] = client.pk in visible_ids(operator)[1]
        transaction.set_rollback(True)
    if not (counts["as it is"] and counts["P1"]):
        raise AssertionError(f"P1 does not see what guardian sees through a group: {counts}")
    say(
        "  group grant check (one client granted to the operators' group, rolled back): "
        f"seen as it is {counts['as it is']}, with P1 {counts['P1']}, with P1- {counts['P1-']}"
    )


def run_selector(staff: dict[str, int]) -> dict[str, Series]:
    """In the tenant's schema (the caller is inside tenant_context)."""
    say(
        f"What-if, the list's data (measurement 1, {WHATIF_REPS} reps each; the proposed changes "
        f"monkeypatched in this process only; each checked to give the same page and set)"
    )
    group_grant_check(staff)
    rows: list[tuple[str, Series, str]] = []
    timings: dict[str, tuple[str, str]] = {}
    plans: dict[str, list[str]] = {}
    baselines = {role: visible_ids(pk) for role, pk in staff.items()}
    for name, role, changes, with_profile in SELECTOR_CASES:
        load = user_with_profile if with_profile else fresh_user
        with applied(*changes):
            check = same_result(staff[role], baselines[role], load)
            series = measure_selector(staff[role], WHATIF_REPS, load)
            count_ms, page_ms, page_lines = page_plan(staff[role], load)
        rows.append((name, series, check))
        timings[name] = (count_ms, page_ms)
        if name in PLANS_SHOWN:
            plans[name] = page_lines
    report(rows)
    say()
    say("  EXPLAIN ANALYZE execution time of the two list queries (COUNT | page):")
    for name, (count_ms, page_ms) in timings.items():
        say(f"    {name:<48} {count_ms:>10} | {page_ms}")
    for name, lines in plans.items():
        say()
        say(f"  EXPLAIN (ANALYZE, BUFFERS), page query, {' '.join(name.split())}:")
        for line in lines:
            say("    " + line)
    return {" ".join(name.split()): series for name, series, _ in rows}


VIEW_CASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("operator  as it is", "operator", ()),
    ("operator  P1+P2+P3", "operator", ("P1", "P2", "P3")),
    ("operator  P1+P2+P3+P5", "operator", ("P1", "P2", "P3", "P5")),
    ("operator  P1+P2+P3+P5+P6", "operator", ("P1", "P2", "P3", "P5", "P6")),
    ("operator  P1+P2+P3+P5+P6+P7", "operator", ("P1", "P2", "P3", "P5", "P6", "P7")),
    ("manager   as it is", "manager", ()),
    ("manager   P3+P4+P5+P6", "manager", ("P3", "P4", "P5", "P6")),
    ("admin     as it is", "admin", ()),
    ("admin     P3+P5+P6", "admin", ("P3", "P5", "P6")),
)


def run_view(cookies: dict[str, str], pings: Any) -> dict[str, Series]:
    """Through a WSGI handler built under the changes (SessionMiddleware picks its engine when
    it is built), with the connection on `public` between requests, as a worker's."""
    from django.core.handlers.wsgi import WSGIHandler

    say(f"What-if, the whole GET /staff/clients/ ({WHATIF_VIEW_REPS} reps each)")
    rows: list[tuple[str, Series, str]] = []
    for name, role, changes in VIEW_CASES:
        with applied(*changes):
            series = measure_view(WSGIHandler(), cookies[role], WHATIF_VIEW_REPS, pings)
        rows.append((name, series, f"+{series.pings / series.reps:.0f} ping"))
    report(rows)
    say()
    say("  statements per request by caller (averaged over the attribution requests):")
    for name, series, _ in rows:
        say(f"    {' '.join(name.split())}:")
        say(
            "      "
            + ", ".join(
                f"{label} {series.per_request(label)[0]:g}"
                for label, _count in sorted(series.labels.items(), key=lambda item: -item[1])
            )
        )
    return {" ".join(name.split()): series for name, series, _ in rows}
