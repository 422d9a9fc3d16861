"""The person's sessions page (/accounts/sessions/, django-allauth's list with more to it): every
device signed in, each ended alone or all the others at once, after proving who they are again
(ASVS 7.5.2); and the answer to the offer to end the others after a second factor changed
(ASVS 7.4.3)."""

from allauth.account.decorators import reauthentication_required
from allauth.usersessions.internal import flows
from allauth.usersessions.views import ListUserSessionsView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rbac.selectors import user_session_get
from rbac.sessions import session_end_one, sessions_offer_dismiss, sessions_offer_pending

# app="" asks allauth for a fresh proof whatever the account settings say: ending sessions is
# what someone holding a stolen session would do to lock the owner out.
ALWAYS = {"app": "", "allow_get": True}


@method_decorator(login_required, name="dispatch")
@method_decorator(reauthentication_required(**ALWAYS), name="dispatch")
class SessionsView(ListUserSessionsView):
    template_name = "usersessions/usersession_list.html"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.POST.get("action") != "one":
            sessions_offer_dismiss(request)
            return super().post(request, *args, **kwargs)  # all the others, and API tokens
        session = user_session_get(user=request.user, pk=request.POST.get("session"))
        if session is None:
            raise Http404
        if session.is_current():
            return HttpResponseRedirect(reverse("account_logout"))
        session_end_one(request=request, session=session)
        messages.success(request, _("That session is signed out."))
        return HttpResponseRedirect(reverse("usersessions_list"))


sessions = SessionsView.as_view()


@require_POST
@login_required
def sessions_offer_answer(request: HttpRequest) -> HttpResponse:
    """The offer's two buttons: end the other sessions, or keep them."""
    reason = sessions_offer_pending(request)
    sessions_offer_dismiss(request)
    if request.POST.get("answer") != "end":
        back = request.POST.get("back", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return HttpResponseRedirect(back if back and safe else reverse("usersessions_list"))
    if reason is None:  # no second factor changed just now: the sessions page asks for proof
        messages.info(request, _("Choose the sessions to sign out here."))
        return HttpResponseRedirect(reverse("usersessions_list"))
    flows.sessions.end_other_sessions(request, request.user)
    messages.success(request, _("Your other sessions and API tokens are signed out."))
    return HttpResponseRedirect(reverse("usersessions_list"))


# Before allauth's own URLs in both hosts' urlconfs: this page replaces allauth's list.
urlpatterns = [
    path("accounts/sessions/", sessions, name="usersessions_list"),
    path("accounts/sessions/offer/", sessions_offer_answer, name="sessions-offer"),
]
