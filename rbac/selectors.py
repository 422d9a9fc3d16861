from django.db.models import Q, QuerySet
from django.utils import timezone

from rbac.models import StaffInvitation, User


def staff_members() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True).order_by("email")


def pending_invitations() -> QuerySet[StaffInvitation]:
    return (
        StaffInvitation.objects.select_related("invited_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
    )


def invitation_get(*, pk: int) -> StaffInvitation | None:
    return StaffInvitation.objects.filter(Q(pk=pk)).first()
