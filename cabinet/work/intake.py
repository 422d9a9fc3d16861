"""Intake: every client action that needs a person opens (or finds) one work item in the staff
queue, under the request type its kind names, with that type's SLA and checklist; answering or
deciding the action closes it.

The services that own the actions call `work_open` and `work_close` inside their transactions,
naming the action's kind ("chat", "order") and its source ("thread:12", "order:7"). Core kinds are
listed here; a vertical adds or renames kinds in its declaration (`work_types`, cabinet.verticals),
so the core never names a vertical: a school's chat message is a parent's message.

While an item is open, a second event from the same source finds it (a partial unique index on
the source holds it even between two racing requests); once closed, a new event opens a new one.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.models import CannedAnswer
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.verticals import current
from cabinet.work.models import RequestType, WorkRequest
from rbac.audit import audit_record
from rbac.models import User

OPEN = (WorkRequest.Status.NEW, WorkRequest.Status.IN_PROGRESS)

# kind: (name, SLA minutes, checklist). The owner edits each type once it exists.
CORE_WORK_TYPES: dict[str, tuple[object, int, list[object]]] = {
    "chat": (gettext_lazy("Chat message"), 60,
             [gettext_lazy("Read the history"), gettext_lazy("Answer the client")]),
    "order": (gettext_lazy("Order to confirm"), 120,
              [gettext_lazy("Check the items are available"), gettext_lazy("Accept or cancel")]),
    "form": (gettext_lazy("Client request"), 240, [gettext_lazy("Do what was asked")]),
    "review": (gettext_lazy("Low rating"), 240,
               [gettext_lazy("Read the review"), gettext_lazy("Call or write to the client"),
                gettext_lazy("Answer the review")]),
    "payment": (gettext_lazy("Card payment taken back"), 1440,
                [gettext_lazy("Check the payment in Stripe"),
                 gettext_lazy("Answer the dispute or settle the balance with the client")]),
}  # fmt: skip


def work_types() -> dict[str, tuple[object, int, list[object]]]:
    """The kinds intake knows in this cabinet: the core's, then its vertical's."""
    vertical = current()
    added = {
        kind: (spec.name, spec.sla_minutes, list(spec.checklist))
        for kind, spec in (vertical.work_types.items() if vertical else ())
    }
    return {**CORE_WORK_TYPES, **added}


def request_type_for(kind: str) -> RequestType:
    """The request type intake files `kind` under, made with its defaults the first time."""
    found = RequestType.objects.filter(code=kind).first()
    if found is not None:
        return found
    name, sla, steps = work_types()[kind]
    label = str(name)
    if RequestType.objects.filter(name=label).exists():  # the owner's type of the same name
        label = f"{label} ({kind})"
    try:
        with transaction.atomic():
            return RequestType.objects.create(
                code=kind, name=label[:80], sla_minutes=sla, checklist=[str(s) for s in steps]
            )
    except IntegrityError:  # made by a concurrent request a moment ago
        return RequestType.objects.get(code=kind)


def _staff_who_may_see(work: WorkRequest) -> list[User]:
    """Active staff who see this unassigned item in their queue: those who may see its client."""
    from cabinet.access import clients_for

    people = User.objects.filter(is_staff=True, is_active=True).select_related("staff_profile")
    return [person for person in people if clients_for(person).filter(pk=work.client_id).exists()]


def _announce(work: WorkRequest) -> None:
    """Tell staff who may take it, on the channels each chose (quiet hours and digests are
    notify()'s). Once per item and person, through notify()'s key."""
    recipients = [work.assignee] if work.assignee_id else _staff_who_may_see(work)
    for person in recipients:
        with in_language_of(person):
            title = _("New: %(title)s") % {"title": work.title}
            body = _("%(type)s, due by %(due)s") % {
                "type": work.type.name,
                "due": timezone.localtime(work.due_at).strftime("%H:%M"),
            }
        notify(recipient=person, event=NotificationEvent.NEW_WORK, title=title, body=body,
               url=f"/staff/queue/{work.pk}/", key=f"work:{work.pk}:new:{person.pk}")  # fmt: skip


def work_open(
    *, client: ClientProfile, kind: str, source: str, title: str, details: str = ""
) -> WorkRequest:
    """The open work item of this source, made now if there is none."""
    existing = WorkRequest.objects.filter(source=source, status__in=OPEN).first()
    if existing is not None:
        return existing
    return _create(client=client, type_=request_type_for(kind), title=title, details=details,
                   source=source)  # fmt: skip


def _create(
    *, client: ClientProfile, type_: RequestType, title: str, details: str, source: str
) -> WorkRequest:
    now = timezone.now()
    try:
        with transaction.atomic():
            work = WorkRequest.objects.create(
                client=client, type=type_, title=title[:200], details=details[:2000],
                source=source[:80], created_at=now,
                due_at=now + timedelta(minutes=type_.sla_minutes),
            )  # fmt: skip
    except IntegrityError:  # the same event, a moment ago
        return WorkRequest.objects.get(source=source[:80], status__in=OPEN)
    audit_record(action="request.opened", actor=client.user, target=work,
                 changes={"type": type_.name, "source": source})  # fmt: skip
    _announce(work)
    return work


def work_close(*, source: str, by: User, cancelled: bool = False) -> WorkRequest | None:
    """Close the open item of this source (answered, decided, withdrawn); None if there is none."""
    work = (
        WorkRequest.objects.select_for_update(of=("self",))
        .filter(source=source, status__in=OPEN)
        .first()
    )
    if work is None:
        return None
    now = timezone.now()
    if by.is_staff and work.assignee_id is None:
        work.assignee = by
    work.taken_at = work.taken_at or now
    work.first_response_at = work.first_response_at or now
    work.done_at = now
    work.spent_minutes = min(int((now - work.taken_at).total_seconds() // 60), 24 * 60)
    work.status = WorkRequest.Status.CANCELLED if cancelled else WorkRequest.Status.DONE
    work.save(update_fields=["assignee", "taken_at", "first_response_at", "done_at",
                             "spent_minutes", "status"])  # fmt: skip
    audit_record(action="request.closed", actor=by, target=work,
                 changes={"source": source, "status": work.status})  # fmt: skip
    return work


# --- Requests the owner lets clients make ("late check-out", "book a taxi") --------------------


def requestable_types() -> QuerySet[RequestType]:
    return RequestType.objects.filter(client_requestable=True).order_by("name")


@transaction.atomic
def client_request_submit(
    *, client: ClientProfile, type: RequestType, details: str, submission_key: str
) -> WorkRequest:
    """A client's request from the cabinet's form; the same submission key files it once."""
    if not type.client_requestable:
        raise ValidationError(_("This request cannot be made here."), code="type")
    details = " ".join((details or "").split())
    if len(details) > 1000:
        raise ValidationError(_("Write at most 1000 characters."), code="too_long")
    key = "".join(ch for ch in submission_key if ch.isalnum())[:40]
    if len(key) < 16:
        raise ValidationError(_("This form has expired; open it again."), code="key")
    source = f"form:{client.pk}:{key}"
    existing = WorkRequest.objects.filter(source=source).first()
    if existing is not None:
        return existing
    return _create(client=client, type_=type, title=type.name, details=details, source=source)


def client_work(client: ClientProfile) -> QuerySet[WorkRequest]:
    """The client's own requests, newest first, with their status (what the client sees)."""
    return WorkRequest.objects.filter(client=client).select_related("type").order_by("-created_at")


def canned_answers_for(client: ClientProfile) -> QuerySet[CannedAnswer]:
    """The canned answers staff may send this client: those in the client's language and those
    for everyone; the ones for a type of request this client has open come first."""
    language = (client.user.language or "")[:2]
    open_types = WorkRequest.objects.filter(client=client, status__in=OPEN).values("type_id")
    return (
        CannedAnswer.objects.filter(Q(language="") | Q(language=language))
        .annotate(for_open=Exists(open_types.filter(type_id=OuterRef("request_type_id"))))
        .order_by("-for_open", "title")
    )
