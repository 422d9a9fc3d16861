"""Request types (SLA, checklist) and the work items clients' requests open."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.common.translatable import TranslatableMixin


class RequestType(TranslatableMixin):
    """A kind of client request and the standard way to handle it: how fast, and which steps."""

    translatable_fields = ("name", "form_hint")

    name = models.CharField(_("name"), max_length=80, unique=True)
    sla_minutes = models.PositiveIntegerField(_("answer within minutes"), default=240)
    checklist = models.JSONField(_("steps"), default=list, blank=True)
    # what intake files under this type ("chat", "order", a vertical's "checkin"…); "" for the
    # owner's own types
    code = models.SlugField(_("intake code"), max_length=40, blank=True, default="")
    client_requestable = models.BooleanField(_("clients may ask for it"), default=False)
    form_hint = models.CharField(_("question to the client"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="one_request_type_per_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkRequest(models.Model):
    """A client's request in the staff work queue, with its SLA deadline and its timeline (the
    KPIs are computed from it)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="requests")
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="requests")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        "rbac.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="work_requests"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    estimated_minutes = models.PositiveIntegerField(default=30)
    spent_minutes = models.PositiveIntegerField(default=0)
    checklist_done = models.JSONField(default=list, blank=True)
    # when each step was ticked ({"0": iso time}): the KPIs' "time per step"
    step_times = models.JSONField(default=dict, blank=True)
    # the client action it came from ("thread:12", "order:7", "form:<key>"); while the item is
    # open a second event from the same source finds it instead of making another
    source = models.CharField(max_length=80, blank=True, default="")
    details = models.TextField(_("details"), max_length=2000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["assignee", "status"]), models.Index(fields=["due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=~models.Q(source="") & models.Q(status__in=["new", "in_progress"]),
                name="one_open_work_item_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overrun(self) -> bool:
        finished = self.done_at or timezone.now()
        return finished > self.due_at
