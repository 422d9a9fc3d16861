"""Administrators end sessions (ASVS 7.4.5): the owner signs one staff member out of every
device, staff with the permission sign one client out, and the owner signs everyone out of the
cabinet. Nobody is deactivated: each can sign in again. Everything is audited, and reaches only
this cabinet's schema (rbac.sessions)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cabinet.access import owner_required, staff_required
from cabinet.staff import selectors
from cabinet.staff.team import security_page
from rbac.models import User
from rbac.sessions import cabinet_sessions_end, user_sessions_end

END_CLIENT_SESSIONS = "cabinet.end_client_sessions"


def can_end_client_sessions(user: User) -> bool:
    return user.is_superuser or user.has_perm(END_CLIENT_SESSIONS)


def _ended(request: HttpRequest, person: User, count: int) -> None:
    messages.success(
        request,
        ngettext(
            "%(name)s is signed out of %(count)d session and their API tokens are ended. "
            "They can sign in again.",
            "%(name)s is signed out of %(count)d sessions and their API tokens are ended. "
            "They can sign in again.",
            count,
        )
        % {"name": person.get_full_name() or person.email, "count": count},
    )


@require_POST
@owner_required
def member_sign_out(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.assignable_staff().filter(pk=pk, is_superuser=False).first()
    if member is None or member.pk == request.user.pk:
        raise Http404
    _ended(request, member, user_sessions_end(user=member, by=request.user, request=request))
    return HttpResponseRedirect(reverse("staff:team"))


@require_POST
@staff_required
def client_sign_out(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_end_client_sessions(request.user):
        raise PermissionDenied("cannot end a client's sessions")
    client = selectors.client_get_for(request.user, pk)  # this person's scope: 404 otherwise
    if client is None:
        raise Http404
    _ended(request, client.user, user_sessions_end(user=client.user, by=request.user,
                                                  request=request))  # fmt: skip
    return HttpResponseRedirect(reverse("staff:client", args=[client.pk]) + "#sessions")


@require_POST
@owner_required
def everyone_sign_out(request: HttpRequest) -> HttpResponse:
    """Everyone but the owner's own session, after an explicit confirmation."""
    if request.POST.get("confirm") != "yes":
        error = _("Tick the box to confirm that everyone will be signed out.")
        return security_page(request, status=400, sign_out_error=error)
    ended = cabinet_sessions_end(by=request.user, request=request)
    messages.success(
        request,
        ngettext(
            "Everyone is signed out: %(count)d session ended, and every API token.",
            "Everyone is signed out: %(count)d sessions ended, and every API token.",
            ended,
        )
        % {"count": ended},
    )
    return HttpResponseRedirect(reverse("staff:security"))
