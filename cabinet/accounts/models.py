"""The client record (one per client account), who on the staff looks after them, and the
object permissions django-guardian keeps on it."""

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class ClientProfile(models.Model):
    """A client as the business knows them. Personal fields are masked for staff without the
    "view personal data" permission; who may see the record at all is rbac's policy, applied in
    cabinet.staff.selectors."""

    user = models.OneToOneField(
        "rbac.User", on_delete=models.CASCADE, related_name="client_profile"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    # Other clients may write to them directly (where the owner allows it); off until they say so.
    accepts_direct_messages = models.BooleanField(_("other clients may message me"), default=False)
    # The client's own words on their profile: what staff should know (a feather-free pillow).
    preferences = models.TextField(_("preferences"), max_length=1000, blank=True)
    # News and offers by email only with the client's consent, recorded with when it was given.
    marketing_consent = models.BooleanField(_("news and offers by email"), default=False)
    # The client as a customer of the business's own Stripe account: made only when they choose
    # to save a card, which it keeps.
    card_customer = models.CharField(max_length=64, blank=True, editable=False)
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("staff notes"), max_length=4000, blank=True)
    # The owner's own fields (CustomField, target "client"): {key: value}, see custom_fields.py.
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [GinIndex(fields=["custom"], name="clientprofile_custom_gin")]
        permissions = [
            ("view_personal_data", "Can reveal a client's masked field, with a reason"),
            ("export_clients", "Can export the client list"),
            ("view_all_clients", "Sees every client"),
            ("view_team_clients", "Sees the clients assigned to their team"),
            ("assign_clients", "Can assign clients to staff"),
            ("adjust_wallet", "Can adjust a client's balance or points, with a reason"),
            ("moderate_community", "Can hide and lock community posts and ban their authors"),
            ("end_client_sessions", "Can sign a client out of every device"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Assignment(models.Model):
    """Which staff member serves a client now (and who did before). Granting and revoking the
    object permission happens in the same transaction (cabinet.staff.services)."""

    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey("rbac.User", on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(
        "rbac.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(ended_at__isnull=True),
                name="one_current_assignment_per_client",
            )
        ]  # fmt: skip
        indexes = [models.Index(fields=["staff", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.staff_id}"


class ClientProfileUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-client grants, with a real foreign key (indexed joins instead of
    the generic text object_pk), so "my clients" stays fast among 100,000."""

    content_object = models.ForeignKey(ClientProfile, on_delete=models.CASCADE)


class ClientProfileGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ClientProfile, on_delete=models.CASCADE)
