from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cabinet.branding.selectors import branding_get
from cabinet.navigation import client_navigation, staff_navigation
from rbac.policy import policy_get


def cabinet(request: HttpRequest) -> dict[str, object]:
    """Branding for pages whose views are not ours (django-allauth's) and for emails; loaded
    only if the page uses it, from the tenant's cache."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_public:
        return {"cabinet_base": "public/base.html"}
    user = getattr(request, "user", None)
    staff = bool(user is not None and user.is_authenticated and user.is_staff)
    return {
        # Pages both sides share (allauth's account pages, notification settings) keep a staff
        # member in the back office's frame.
        "cabinet_base": "staff/base.html" if staff else "cabinet/base.html",
        "branding": SimpleLazyObject(branding_get),
        "community_on": SimpleLazyObject(lambda: policy_get().community_enabled),
        "vertical": tenant.vertical,
        "client_nav": SimpleLazyObject(lambda: client_navigation(request)),
        "staff_nav": SimpleLazyObject(lambda: staff_navigation(request)),
        "staff_links": SimpleLazyObject(lambda: staff_links(request)),
    }


def staff_links(request: HttpRequest) -> dict[str, bool]:
    """Which of the back office's role-dependent links this person may open."""
    from cabinet.staff.front_desk import can_front_desk
    from cabinet.staff.selectors import staff_role

    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return {"front_desk": False, "teams": False}
    return {
        "front_desk": can_front_desk(user),
        "teams": user.is_superuser
        or (staff_role(user) == "manager" and bool(user.staff_profile.team_id)),
    }
