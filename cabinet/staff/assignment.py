"""Who serves which client, beyond one at a time: a team's least-loaded member, moves in bulk
(assignments only — nothing of the clients is shown), the owner's rule for new clients, and the
hand-over when a staff member is switched off. Every move goes through `client_assign`, so each
is audited and carries its object permission."""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cabinet.accounts.models import Assignment, ClientProfile
from cabinet.staff.selectors import assignable_staff
from cabinet.staff.services import client_assign, clients_assign_many
from cabinet.work.models import WorkRequest
from rbac.audit import audit_record
from rbac.models import NewClientRule, Team, User
from rbac.services import staff_deactivate

BULK_LIMIT = 1000  # clients moved by one bulk action; the rest stay for the next one
OPEN = (WorkRequest.Status.NEW, WorkRequest.Status.IN_PROGRESS)


@dataclass(frozen=True)
class Target:
    """Where clients go: one person, or a team (each client to its least-loaded member)."""

    staff: User | None = None
    team: Team | None = None

    @property
    def label(self) -> str:
        return self.staff.email if self.staff else f"team:{self.team.name if self.team else ''}"


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name", "pk")


def team_get(pk: object) -> Team | None:
    try:
        return Team.objects.filter(pk=int(str(pk))).first()
    except (TypeError, ValueError, OverflowError):
        return None


def team_members(team: Team) -> QuerySet[User]:
    """The team's active staff who can be given clients."""
    return assignable_staff().filter(staff_profile__team=team, is_superuser=False)


def target_parse(value: str) -> Target | None:
    """ "staff:<id>" or "team:<id>" from a form; None when it names nobody here (a 404)."""
    kind, _sep, raw = value.partition(":")
    try:
        pk = int(raw)
    except ValueError:
        return None
    if kind == "staff":
        person = assignable_staff().filter(pk=pk).first()
        return Target(staff=person) if person else None
    if kind == "team":
        team = Team.objects.filter(pk=pk).first()
        return Target(team=team) if team else None
    return None


def loads(people: list[User]) -> Counter[int]:
    """Current clients per person (zero for those with none)."""
    counted = (
        Assignment.objects.filter(ended_at__isnull=True, staff__in=people)
        .values("staff_id")
        .annotate(n=Count("id"))
    )
    load: Counter[int] = Counter({person.pk: 0 for person in people})
    load.update({row["staff_id"]: row["n"] for row in counted})
    return load


class NobodyToAssign(ValidationError):
    pass


def _least_loaded(load: Counter[int]) -> int:
    if not load:
        raise NobodyToAssign(_("This team has no active member to take clients."))
    return min(load, key=lambda pk: (load[pk], pk))


@transaction.atomic
def clients_move(
    *,
    clients: list[ClientProfile],
    to: Target,
    by: User | None,
    request: HttpRequest | None = None,
    exclude: User | None = None,
) -> int:
    """Assign each client to `to` (a team: to its least-loaded member at that moment, counting
    the moves made so far). How many were moved (those already there are not)."""
    if to.staff is not None:
        moves = [(client, to.staff) for client in clients]
    else:
        members = [m for m in team_members(to.team) if exclude is None or m.pk != exclude.pk]
        people = {m.pk: m for m in members}
        load = loads(members)
        moves = []
        for client in clients:
            pk = _least_loaded(load)
            moves.append((client, people[pk]))
            load[pk] += 1
    if len(moves) == 1:  # one client (the card): the single path, with its row lock
        client_assign(client=moves[0][0], staff=moves[0][1], by=by, request=request)
        return 1
    return clients_assign_many(moves=moves, by=by, request=request)


def bulk_sources(*, source: str) -> QuerySet[ClientProfile] | None:
    """The clients a bulk move takes: "unassigned", "staff:<id>" (their current clients) or
    "team:<id>" (the team's members' current clients). None: no such person or team."""
    everyone = ClientProfile.objects.order_by("pk")
    current = Assignment.objects.filter(ended_at__isnull=True)
    if source == "unassigned":
        return everyone.exclude(pk__in=current.values("client_id"))
    target = target_parse(source)
    if target is None:
        return None
    if target.staff is not None:
        return everyone.filter(pk__in=current.filter(staff=target.staff).values("client_id"))
    members = User.objects.filter(staff_profile__team=target.team)
    return everyone.filter(pk__in=current.filter(staff__in=members).values("client_id"))


@transaction.atomic
def clients_bulk_assign(
    *, source: str, to: Target, by: User, request: HttpRequest | None = None
) -> int:
    """The owner's bulk move: up to BULK_LIMIT clients of `source` to `to`. It moves
    assignments and shows nothing of the clients (bulk copying stays hard): the answer is a
    count. Each move is audited, and the action once more with its totals."""
    if not by.is_superuser:
        raise PermissionDenied("only the owner moves clients in bulk")
    clients = bulk_sources(source=source)
    if clients is None:
        raise ValidationError(_("Choose whose clients to move."))
    if to.staff is not None and source == f"staff:{to.staff.pk}":
        return 0
    chosen = list(clients.select_for_update(of=("self",))[:BULK_LIMIT])
    moved = clients_move(clients=chosen, to=to, by=by, request=request)
    audit_record(action="clients.bulk_assigned", actor=by, request=request,
                 changes={"from": source, "to": to.label, "count": moved})  # fmt: skip
    return moved


def new_client_rule() -> NewClientRule:
    return NewClientRule.objects.select_related("team").first() or NewClientRule()


@transaction.atomic
def new_client_route(*, client: ClientProfile) -> Assignment | None:
    """Apply the owner's rule to a client who just arrived (signup or the front desk): nobody,
    round-robin within the rule's team, or the least-loaded staff member (of the team, when one
    is set). The rule's row is locked, so two arrivals at once do not pick the same turn."""
    rule = NewClientRule.objects.select_for_update().first()
    if rule is None or rule.rule == NewClientRule.Rule.NONE:
        return None
    if client.assignments.filter(ended_at__isnull=True).exists():
        return None
    people = list(
        team_members(rule.team) if rule.team else assignable_staff().filter(is_superuser=False)
    )
    if not people:
        return None
    if rule.rule == NewClientRule.Rule.ROUND_ROBIN:
        people.sort(key=lambda person: person.pk)
        after = [p for p in people if rule.last_staff_id is None or p.pk > rule.last_staff_id]
        chosen = (after or people)[0]
        rule.last_staff = chosen
        rule.save(update_fields=["last_staff", "updated_at"])
    else:
        load = loads(people)
        chosen = next(p for p in people if p.pk == _least_loaded(load))
    return client_assign(client=client, staff=chosen, by=None)


@transaction.atomic
def staff_offboard(
    *, member: User, to: Target, by: User, reason: str = "", request: HttpRequest | None = None
) -> dict[str, int]:
    """One action: switch `member` off (rbac: sessions, tokens, keys, second factors revoked,
    seat freed) and hand their clients and open work to `to` — a colleague, or a team whose
    least-loaded members take them. All or nothing; audited step by step."""
    if not by.is_superuser:
        raise PermissionDenied("only the owner deactivates staff")
    if to.staff is not None and to.staff.pk == member.pk:
        raise ValidationError(_("Hand their work to someone else."))
    if to.team is not None and not team_members(to.team).exclude(pk=member.pk).exists():
        raise NobodyToAssign(_("This team has no active member to take clients."))
    revoked = staff_deactivate(member=member, by=by, reason=reason)
    current = Assignment.objects.filter(staff=member, ended_at__isnull=True)
    clients = list(
        ClientProfile.objects.filter(pk__in=current.values("client_id"))
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    moved = clients_move(clients=clients, to=to, by=by, request=request, exclude=member)
    work = list(
        WorkRequest.objects.select_for_update()
        .filter(assignee=member, status__in=OPEN)
        .order_by("due_at", "pk")
    )
    if to.staff is not None:
        heirs = {"*": to.staff}
    else:
        heirs = {m.pk: m for m in team_members(to.team).exclude(pk=member.pk)}
    load = loads(list(heirs.values())) if to.team is not None else Counter()
    for item in work:
        heir = to.staff if to.staff is not None else heirs[_least_loaded(load)]
        if to.team is not None:
            load[heir.pk] += 1
        item.assignee = heir
        item.save(update_fields=["assignee"])
        audit_record(action="request.reassigned", actor=by, target=item, request=request,
                     changes={"assignee": [member.email, heir.email]})  # fmt: skip
    summary = {**revoked, "clients": moved, "work": len(work)}
    audit_record(action="staff.offboarded", actor=by, target=member, request=request,
                 changes={"to": to.label, **summary}, reason=reason[:500])  # fmt: skip
    return summary
