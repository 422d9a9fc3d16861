"""Metrics instead of looking over shoulders: per employee and per team, for a period."""

import itertools
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Min, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cabinet.checkout.models import OfferRedemption
from cabinet.common.money import money
from cabinet.messaging.models import Thread
from cabinet.orders.models import Order, OrderStatusChange
from cabinet.work.models import WorkRequest
from rbac.models import AuditEntry, User
from tenants.charts import BarChart, bar_chart


@dataclass(frozen=True)
class EmployeeKpi:
    user: User
    closed: int
    overruns: int
    first_response_minutes: float | None
    processing_minutes: float | None
    estimated_minutes: int
    spent_minutes: int
    gap_minutes: float | None
    usual_start: str
    orders_done: int = 0
    revenue: str = "—"  # per currency, e.g. "120.00 EUR"
    chats_answered: int = 0
    chat_first_response_minutes: float | None = None
    chat_close_minutes: float | None = None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def kpis(*, staff: QuerySet[User], days: int) -> list[EmployeeKpi]:
    since = timezone.now() - timedelta(days=days)
    requests = list(
        WorkRequest.objects.filter(assignee__in=staff, taken_at__gte=since).order_by("taken_at")
    )
    starts = (
        AuditEntry.objects.filter(actor__in=staff, at__gte=since)
        .annotate(day=TruncDate("at"))
        .values_list("actor_id", "day")
        .annotate(first=Min("at"))
    )
    # Orders each person completed (their "done" step), with what the orders were worth.
    orders_done: dict[int, list[tuple[str, Decimal]]] = {}
    for by_id, currency, total in OrderStatusChange.objects.filter(
        by__in=staff, to_status=Order.Status.DONE, at__gte=since
    ).values_list("by_id", "order__currency", "order__total"):
        orders_done.setdefault(by_id, []).append((currency, total))
    # Conversations: answered first by them (the thread is assigned to whoever answers first).
    threads = list(
        Thread.objects.filter(assignee__in=staff, first_response_at__gte=since).only(
            "assignee_id", "created_at", "first_response_at", "closed_at"
        )
    )
    first_by_user: dict[int, list[datetime]] = {}
    for actor_id, _day, first in starts:
        first_by_user.setdefault(actor_id, []).append(timezone.localtime(first))
    result = []
    for user in staff:
        mine = [r for r in requests if r.assignee_id == user.pk]
        done = [r for r in mine if r.done_at]
        responses = [
            _minutes(r.first_response_at - r.created_at) for r in mine if r.first_response_at
        ]
        processing = [_minutes(r.done_at - r.taken_at) for r in done if r.taken_at]
        finished = sorted(done, key=lambda r: r.done_at)
        gaps = [
            _minutes(nxt.taken_at - prev.done_at)
            for prev, nxt in itertools.pairwise(finished)
            if nxt.taken_at and nxt.taken_at >= prev.done_at
        ]
        day_starts = first_by_user.get(user.pk, [])
        start = (
            int(statistics.median(d.hour * 60 + d.minute for d in day_starts))
            if day_starts
            else None
        )
        usual = f"{start // 60:02d}:{start % 60:02d}" if start is not None else "—"
        chats = [t for t in threads if t.assignee_id == user.pk]
        result.append(
            EmployeeKpi(
                user=user,
                closed=len(done),
                overruns=sum(1 for r in mine if r.is_overrun),
                first_response_minutes=_median(responses),
                processing_minutes=_median(processing),
                estimated_minutes=sum(r.estimated_minutes for r in done),
                spent_minutes=sum(r.spent_minutes for r in done),
                gap_minutes=_median(gaps),
                usual_start=usual,
                orders_done=len(orders_done.get(user.pk, [])),
                revenue=_money(orders_done.get(user.pk, [])),
                chats_answered=len(chats),
                chat_first_response_minutes=_median(
                    [_minutes(t.first_response_at - t.created_at) for t in chats]
                ),
                chat_close_minutes=_median(
                    [_minutes(t.closed_at - t.created_at) for t in chats if t.closed_at]
                ),
            )
        )
    return result


def _money(amounts: list[tuple[str, Decimal]]) -> str:
    sums: dict[str, Decimal] = {}
    for currency, total in amounts:
        sums[currency] = sums.get(currency, Decimal(0)) + total
    return ", ".join(money(total, currency) for currency, total in sorted(sums.items())) or "—"


@dataclass(frozen=True)
class OfferFigures:
    title: str
    code: str
    redemptions: int
    discount: str  # per currency, as revenue
    revenue: str  # what the checkouts brought in, less their refunds


def offer_figures(*, days: int) -> list[OfferFigures]:
    """Redemptions and revenue per offer in the period; a checkout refunded in full gave its
    use back and does not count. One query."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        OfferRedemption.objects.filter(created_at__gte=since, released_at__isnull=True)
        .values("offer_id", "offer__title", "offer__code", "currency")
        .annotate(n=Count("id"), discount=Sum("discount"),
                  revenue=Sum(F("checkout__total") - F("checkout__refunded")))
        .order_by("offer__title", "offer_id", "currency")
    )  # fmt: skip
    by_offer: dict[int, dict] = {}
    for row in rows:
        fresh = {"title": row["offer__title"], "code": row["offer__code"], "n": 0, "d": [], "r": []}
        entry = by_offer.setdefault(row["offer_id"], fresh)
        entry["n"] += row["n"]
        entry["d"].append((row["currency"], row["discount"]))
        entry["r"].append((row["currency"], row["revenue"]))
    return [
        OfferFigures(e["title"], e["code"], e["n"], _money(e["d"]), _money(e["r"]))
        for e in by_offer.values()
    ]


def kpi_charts(rows: list[EmployeeKpi]) -> dict[str, BarChart]:
    label = [row.user.get_short_name() for row in rows]
    return {
        "closed": bar_chart(list(zip(label, [r.closed for r in rows], strict=True)), height=140),
        "response": bar_chart(
            list(zip(label, [r.first_response_minutes or 0 for r in rows], strict=True)), height=140
        ),
    }


@dataclass(frozen=True)
class StepFigure:
    name: str
    median_minutes: float | None
    times: int


@dataclass(frozen=True)
class ProcessFigures:
    """Where a process slows down: one request type, its requests closed in the period."""

    name: str
    closed: int
    overruns: int
    first_response_minutes: float | None
    total_minutes: float | None  # arrival to done
    steps: list[StepFigure]


def process_figures(*, staff: QuerySet[User], days: int) -> list[ProcessFigures]:
    """Per request type, the median time to the first answer and to done, and per checklist
    step the median time since the step before it (or since the request was taken). One
    query, over the requests these people closed in the period."""
    since = timezone.now() - timedelta(days=days)
    closed = (
        WorkRequest.objects.filter(assignee__in=staff, status=WorkRequest.Status.DONE,
                                   done_at__gte=since)
        .select_related("type")
        .order_by("type__name", "type_id")
    )  # fmt: skip
    result = []
    for _type_id, group in itertools.groupby(closed, key=lambda r: r.type_id):
        works = list(group)
        kind = works[0].type
        per_step: dict[int, list[float]] = {}
        for work in works:
            previous = work.taken_at or work.created_at
            ticked = sorted(
                (datetime.fromisoformat(at), int(step)) for step, at in work.step_times.items()
            )
            for at, step in ticked:
                per_step.setdefault(step, []).append(max(0.0, _minutes(at - previous)))
                previous = at
        steps = [
            StepFigure(name, _median(per_step.get(i, [])), len(per_step.get(i, [])))
            for i, name in enumerate(kind.checklist)
        ]
        result.append(
            ProcessFigures(
                name=kind.name,
                closed=len(works),
                overruns=sum(1 for w in works if w.is_overrun),
                first_response_minutes=_median(
                    [
                        _minutes(w.first_response_at - w.created_at)
                        for w in works
                        if w.first_response_at
                    ]
                ),
                total_minutes=_median([_minutes(w.done_at - w.created_at) for w in works]),
                steps=steps,
            )
        )
    return result
