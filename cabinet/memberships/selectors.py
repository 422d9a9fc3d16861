"""Reads of plans and memberships, scoped: a client sees their own memberships; staff see the
subscribers among the clients they may see (cabinet.staff.selectors.clients_for)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from cabinet.accounts.models import ClientProfile
from cabinet.memberships.models import Membership, MembershipInvoice, MembershipPlan
from rbac.models import User

LIVE = [Membership.Status.ACTIVE, Membership.Status.PAST_DUE, Membership.Status.INCOMPLETE]


def plans_offered() -> QuerySet[MembershipPlan]:
    return MembershipPlan.objects.filter(is_active=True).order_by("price", "name")


def plan_get(pk: int, *, offered_only: bool = False) -> MembershipPlan | None:
    plans = plans_offered() if offered_only else MembershipPlan.objects.all()
    return plans.filter(pk=pk).first()


def memberships_of(client: ClientProfile) -> QuerySet[Membership]:
    """The client's memberships, live first, each with its plan and its invoices."""
    return (
        Membership.objects.filter(client=client)
        .select_related("plan")
        .prefetch_related(
            Prefetch("invoices", queryset=MembershipInvoice.objects.order_by("-issued_at", "-id"))
        )
        .order_by("ended_at", "-created_at", "-id")
    )


def membership_of(client: ClientProfile, pk: int) -> Membership | None:
    return Membership.objects.filter(client=client, pk=pk).select_related("plan").first()


def plans_with_counts() -> QuerySet[MembershipPlan]:
    """Every plan with how many clients subscribe (paying, paused, in arrears)."""
    live = Q(memberships__status__in=[Membership.Status.ACTIVE, Membership.Status.PAST_DUE])
    return MembershipPlan.objects.annotate(
        subscribers=Count("memberships", filter=live),
        paused_count=Count("memberships", filter=live & Q(memberships__paused=True)),
        past_due_count=Count(
            "memberships", filter=Q(memberships__status=Membership.Status.PAST_DUE)
        ),
    ).order_by("-is_active", "name", "id")


def plan_subscribers(*, staff: User, plan: MembershipPlan) -> QuerySet[Membership]:
    """The plan's memberships of the clients this staff member may see."""
    from cabinet.access import clients_for

    return (
        Membership.objects.filter(plan=plan, client__in=clients_for(staff).values("pk"))
        .select_related("client__user")
        .order_by("status", "-created_at", "-id")
    )


@dataclass(frozen=True)
class MembershipFigures:
    plans: list[MembershipPlan]  # with their counts (plans_with_counts)
    mrr: dict[str, Decimal]  # per currency


def membership_figures() -> MembershipFigures | None:
    """The KPI page's memberships: subscribers per plan and the monthly recurring revenue; None
    while the business has no plans."""
    from cabinet.memberships.services import monthly_recurring_revenue

    plans = list(plans_with_counts())
    if not plans:
        return None
    return MembershipFigures(plans=plans, mrr=monthly_recurring_revenue())
