"""What a staff member may read. Every client query of the back office and of the staff API
goes through `clients_for`, so no view can forget the policy: an unassigned client's id answers
404 exactly like one that does not exist."""

from django.db.models import QuerySet

from cabinet.access import clients_for
from cabinet.accounts.models import Assignment, ClientProfile
from rbac.models import StaffProfile, User


def staff_role(staff: User) -> str:
    if staff.is_superuser:
        return "owner"
    profile = getattr(staff, "staff_profile", None)
    return profile.role if profile else StaffProfile.Role.VIEWER


def client_get_for(staff: User, pk: object) -> ClientProfile | None:
    try:
        return clients_for(staff).get(pk=int(pk))
    except (ClientProfile.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


def client_search(queryset: QuerySet[ClientProfile], query: str) -> QuerySet[ClientProfile]:
    """By name or email; personal fields are never searchable (they are masked for many)."""
    query = query.strip()[:100]
    if not query:
        return queryset
    return queryset.filter(user__full_name__icontains=query) | queryset.filter(
        user__email__icontains=query
    )


def current_assignment(client: ClientProfile) -> Assignment | None:
    return client.assignments.filter(ended_at__isnull=True).select_related("staff").first()


def assignable_staff() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True).order_by("email")


def client_history(client: ClientProfile) -> dict[str, object]:
    """What the client bought and booked, their clubs and tier: the card's context for
    answering them without searching elsewhere (no personal fields here)."""
    from cabinet.bookings.models import Booking
    from cabinet.messaging.models import Message
    from cabinet.notifications.models import Delivery
    from cabinet.orders.models import Order
    from cabinet.wallet.selectors import client_loyalty

    orders = list(client.orders.prefetch_related("items").order_by("-created_at")[:5])
    return {
        "orders": orders,
        "order_count": client.orders.count(),
        "bookings": list(
            Booking.objects.filter(client=client)
            .select_related("event")
            .order_by("-created_at")[:5]
        ),
        "clubs": list(client.clubs.values_list("name", flat=True)),
        "deliveries": list(
            Delivery.objects.filter(notification__user=client.user)
            .select_related("notification")
            .order_by("-notification__created_at")[:10]
        ),
        "conversation": list(
            Message.objects.filter(thread__client=client)
            .select_related("author", "thread")
            .order_by("-created_at")[:10]
        )[::-1],
        "open_orders": client.orders.exclude(
            status__in=[Order.Status.DONE, Order.Status.CANCELLED]
        ).count(),
        **client_loyalty(client),
    }
