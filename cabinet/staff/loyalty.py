"""Staff side of paying and loyalty: the owner's rules (paying on site, points earned), a club's
members (added and removed by staff), and paid checkouts with their refunds, in full or in
part, the way each was paid."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import clients_for, owner_required, staff_required
from cabinet.checkout.models import Checkout
from cabinet.checkout.services import checkout_refund
from cabinet.common.money import money
from cabinet.rendering import render_cabinet
from cabinet.staff.selectors import client_search
from cabinet.wallet.loyalty import club_join, club_leave, loyalty_settings, loyalty_settings_save
from cabinet.wallet.models import Club
from rbac.models import User


@require_http_methods(["GET", "POST"])
@owner_required
def loyalty_settings_view(request: HttpRequest) -> HttpResponse:
    rules = loyalty_settings()
    status = 200
    if request.method == "POST":
        try:
            earn = int(request.POST.get("earn_percent", "")[:3])
            loyalty_settings_save(
                on_site_allowed=request.POST.get("on_site_allowed") == "on",
                earn_percent=earn, earn_on_bookings=request.POST.get("earn_on_bookings") == "on",
                by=request.user,
            )  # fmt: skip
        except ValueError:
            messages.error(request, _("Points earned are a whole number of percent."))
            status = 400
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("staff:loyalty"), status=303)
    return render_cabinet(request, "staff/loyalty_settings.html", {"rules": rules}, status=status)


def _club_for(request: HttpRequest, pk: int) -> Club:
    if not request.user.has_perm("cabinet.change_club"):
        raise PermissionDenied("change club")
    club = Club.objects.filter(pk=pk).first()
    if club is None:
        raise Http404
    return club


@require_http_methods(["GET", "POST"])
@staff_required
def club_members(request: HttpRequest, pk: int) -> HttpResponse:
    """The members this staff member may see; add one by email, remove one."""
    club = _club_for(request, pk)
    visible = clients_for(request.user)
    if request.method == "POST":
        if request.POST.get("remove"):
            client = visible.filter(pk=_int(request.POST["remove"])).first()
            if client is None:
                raise Http404
            club_leave(club=club, client=client, by=request.user)
            messages.success(request, _("Removed from the club."))
        else:
            email = request.POST.get("email", "").strip()[:254]
            client = visible.filter(user__email__iexact=email).first() if email else None
            if client is None:
                messages.error(request, _("None of your clients has this email."))
                target = reverse("staff:club-members", args=[club.pk])
                return HttpResponseRedirect(target, status=303)
            club_join(club=club, client=client, by=request.user)
            messages.success(request, _("Added to the club."))
        return HttpResponseRedirect(reverse("staff:club-members", args=[club.pk]), status=303)
    members = visible.filter(clubs=club).select_related("user").order_by("user__email")
    query = request.GET.get("q", "")[:80]
    if query:
        members = client_search(members, query)
    return render_cabinet(request, "staff/club_members.html",
                          {"club": club, "members": members[:200], "q": query})  # fmt: skip


def _int(value: str) -> int:
    try:
        return int(value[:12])
    except ValueError as exc:
        raise Http404 from exc


def checkouts_for(staff: User) -> QuerySet[Checkout]:
    """Paid checkouts of the clients this staff member may see."""
    return (
        Checkout.objects.filter(client__in=clients_for(staff).values("pk"))
        .exclude(status=Checkout.Status.OPEN)
        .select_related("client__user", "event", "offer")
        .order_by("-paid_at", "-id")
    )


def _may_refund(user: User) -> None:
    if not user.has_perm("cabinet.adjust_wallet"):
        raise PermissionDenied("refunds need the wallet permission")


@require_http_methods(["GET"])
@staff_required
def payments(request: HttpRequest) -> HttpResponse:
    _may_refund(request.user)
    rows = checkouts_for(request.user)[:100]
    return render_cabinet(request, "staff/payments.html", {"rows": rows})


@require_POST
@staff_required
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    _may_refund(request.user)
    checkout = checkouts_for(request.user).filter(pk=pk).first()
    if checkout is None:
        raise Http404
    raw = request.POST.get("amount", "")[:20].replace(",", ".").strip()
    reason = " ".join(request.POST.get("reason", "").split())[:200]
    try:
        amount = Decimal(raw) if raw else None
        if len(reason) < 3:
            raise ValidationError(_("Say why, in a few words (it is recorded)."))
        given = checkout_refund(checkout=checkout, amount=amount, by=request.user, reason=reason)
    except InvalidOperation:
        messages.error(request, _("Give the amount as a number, like 12.50."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(amount)s refunded the way it was paid.")
                         % {"amount": money(given, checkout.currency)})  # fmt: skip
    return HttpResponseRedirect(reverse("staff:payments"), status=303)
