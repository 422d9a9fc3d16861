"""The back office's home: each person's next actions, chosen by what they may do, not by the
name of their role (an owner may compose roles of their own).

- Everyone: "My work" by deadline, unassigned work they may take, conversations waiting for an
  answer, and what their cabinet's kind of business adds for today (a hotel's arrivals and
  check-ins to review, a shop's orders to confirm, a school's attendance to take).
- Whoever sees a team's or every client (view_team_clients, view_all_clients): the team's queue,
  its overdue items and who is overloaded.
- The owner: the business's figures, the setup checklist and the alerts.

Each list is one query, whatever its length (tests/cabinet/test_staff_home.py counts them).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from billing.models import PaymentAccount
from cabinet.access import clients_for
from cabinet.branding.models import Branding
from cabinet.messaging.models import Thread
from cabinet.notifications.models import Notification
from cabinet.orders.models import Order
from cabinet.staff.work import requests_for
from cabinet.verticals import current
from cabinet.work.models import RequestType, WorkRequest
from rbac.models import StaffProfile, User

OPEN = (WorkRequest.Status.NEW, WorkRequest.Status.IN_PROGRESS)
LIST_LENGTH = 8
# Someone holding at least this many open items, and half again the team's average, is overloaded.
OVERLOAD_MIN_ITEMS = 5
OVERLOAD_FACTOR = 1.5


@dataclass(frozen=True)
class Workload:
    person: User
    open: int
    overdue: int
    overloaded: bool
    share: int  # percent of the busiest person's load, for the bar


@dataclass(frozen=True)
class SetupStep:
    label: object
    url: str
    done: bool


def oversees_others(user: User) -> bool:
    return user.is_superuser or any(
        user.has_perm(p) for p in ("cabinet.view_all_clients", "cabinet.view_team_clients")
    )


def home_for(user: User) -> dict[str, Any]:
    """Everything the home page shows this person."""
    now = timezone.now()
    open_work = requests_for(user).filter(status__in=OPEN)
    context: dict[str, Any] = {
        "my_work": list(open_work.filter(assignee=user).order_by("due_at", "pk")[:LIST_LENGTH]),
        "to_take": list(
            open_work.filter(assignee__isnull=True).order_by("due_at", "pk")[:LIST_LENGTH]
        ),
        "unanswered": list(
            Thread.objects.filter(
                client__in=clients_for(user).values("pk"),
                status=Thread.Status.OPEN,
                staff_unread__gt=0,
            )
            .select_related("client__user")
            .order_by("last_message_at")[:LIST_LENGTH]
        ),
        "now": now,
        "vertical_home": _vertical_block(user),
    }
    if oversees_others(user):
        context["team"] = _team_block(user, open_work, now)
    if user.is_superuser:
        context["business"] = _business_figures(now)
        steps = _setup_checklist()
        context["setup"] = steps if not all(step.done for step in steps) else []
        context["alerts"] = list(
            Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")[:5]
        )
    return context


def _vertical_block(user: User) -> dict[str, Any] | None:
    """What the cabinet's vertical adds ("staff_home": a provider and its template)."""
    vertical = current()
    entry = vertical.staff_home if vertical else None
    if not entry:
        return None
    provider, template = entry
    data = import_string(provider)(user=user, today=timezone.localdate())
    return {"template": template, **data} if data is not None else None


def _people_overseen(user: User) -> QuerySet[User]:
    people = User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email")
    if user.is_superuser or user.has_perm("cabinet.view_all_clients"):
        return people
    profile = StaffProfile.objects.filter(user=user).only("team_id").first()
    if profile is None or profile.team_id is None:
        return people.none()
    return people.filter(staff_profile__team_id=profile.team_id)


def _team_block(user: User, open_work: QuerySet[WorkRequest], now: datetime) -> dict[str, Any]:
    """The open work of the people this person oversees, and what nobody holds yet."""
    people = list(_people_overseen(user))
    ids = [p.pk for p in people]
    sees_all = user.is_superuser or user.has_perm("cabinet.view_all_clients")
    if sees_all:
        team_work = open_work
    else:
        team_work = WorkRequest.objects.filter(status__in=OPEN).filter(
            Q(assignee__in=ids)
            | Q(assignee__isnull=True, client__in=clients_for(user).values("pk"))
        )
    counts = team_work.aggregate(
        open=Count("pk"),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
    )
    held = {
        row["assignee_id"]: row
        for row in WorkRequest.objects.filter(assignee__in=ids, status__in=OPEN)
        .values("assignee_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    }
    average = sum(row["open"] for row in held.values()) / len(people) if people else 0
    busiest = max((row["open"] for row in held.values()), default=0)
    workload = []
    for person in people:
        row = held.get(person.pk, {"open": 0, "overdue": 0})
        overloaded = row["open"] >= OVERLOAD_MIN_ITEMS and row["open"] >= OVERLOAD_FACTOR * average
        share = round(100 * row["open"] / busiest) if busiest else 0
        workload.append(Workload(person, row["open"], row["overdue"], overloaded, share))
    workload.sort(key=lambda w: (-w.open, -w.overdue))
    overdue = list(
        team_work.filter(due_at__lt=now)
        .select_related("type", "client__user", "assignee")
        .order_by("due_at", "pk")[:LIST_LENGTH]
    )
    # A colleague's item opens only for them; a team lead opens its client's card instead.
    return {"counts": counts, "overdue": overdue, "workload": workload,
            "has_team": bool(people), "via_client": not sees_all}  # fmt: skip


def _business_figures(now: datetime) -> dict[str, Any]:
    week_ago, month_ago = now - timedelta(days=7), now - timedelta(days=30)
    clients = User.objects.filter(is_staff=False).aggregate(
        total=Count("pk"), new=Count("pk", filter=Q(date_joined__gte=week_ago))
    )
    revenue = list(
        Order.objects.filter(created_at__gte=month_ago)
        .exclude(status=Order.Status.CANCELLED)
        .values("currency")
        .annotate(orders=Count("pk"), total=Sum("total"))
        .order_by("-orders")
    )
    work = WorkRequest.objects.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN)),
        overdue=Count("pk", filter=Q(status__in=OPEN, due_at__lt=now)),
        closed=Count("pk", filter=Q(status=WorkRequest.Status.DONE, done_at__gte=month_ago)),
    )
    return {
        "clients": clients["total"],
        "new_clients": clients["new"],
        "orders": sum(row["orders"] for row in revenue),
        "revenue": revenue,
        "work": work,
    }


def _setup_checklist() -> list[SetupStep]:
    branding = Branding.objects.only("logo").first()
    staff = User.objects.filter(is_staff=True, is_active=True).count()
    payments = PaymentAccount.objects.filter(
        tenant_id=connection.tenant.pk, charges_enabled=True
    ).exists()
    return [
        SetupStep(_("Put your logo and colours on the cabinet"), reverse("staff:branding"),
                  bool(branding and branding.logo)),
        SetupStep(_("Invite your team"), reverse("staff:team"), staff > 1),
        SetupStep(_("Say which requests clients may send you"),
                  reverse("staff:content", args=["request-types"]),
                  RequestType.objects.filter(client_requestable=True).exists()),
        SetupStep(_("Take card payments"), reverse("staff:billing"), payments),
        SetupStep(_("Welcome your first client"), reverse("staff:front-desk"),
                  User.objects.filter(is_staff=False).exists()),
    ]  # fmt: skip
