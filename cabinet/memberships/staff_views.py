"""The back office's memberships (/staff/memberships/): the business's recurring plans, made
and edited by staff with the plan permissions (the owner; others by role, in the role editor),
published to the business's Stripe account; how many clients subscribe to each and what they
bring in a month; the subscribers of a plan, among the clients this person may see."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from billing import payments
from cabinet.access import staff_required
from cabinet.content.translations import TranslatedFormMixin
from cabinet.memberships import selectors, services
from cabinet.memberships.models import MembershipPlan
from cabinet.rendering import render_cabinet


class MembershipPlanForm(TranslatedFormMixin, forms.ModelForm):
    class Meta:
        model = MembershipPlan
        fields = ("name", "description", "price", "currency", "interval", "is_active")
        help_texts = {
            "price": gettext_lazy(
                "Charged to the client's card each period. A new price applies to new "
                "subscribers; those already subscribed keep theirs."
            ),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_price(self) -> Decimal:
        price = self.cleaned_data["price"]
        if price is not None and not Decimal("0.50") <= price <= Decimal("100000"):
            raise forms.ValidationError(_("A price between 0.50 and 100,000."))
        return price


def _require(user: object, action: str) -> None:
    if not user.has_perm(f"cabinet.{action}_membershipplan"):
        raise PermissionDenied(f"{action} membership plans")


@require_GET
@staff_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "view")
    return render_cabinet(
        request,
        "staff/membership_plans.html",
        {
            "plans": list(selectors.plans_with_counts()),
            "mrr": services.monthly_recurring_revenue(),
            "card_payments": payments.card_payments_enabled(request.tenant),
            "can_edit": request.user.has_perm("cabinet.change_membershipplan"),
            "can_add": request.user.has_perm("cabinet.add_membershipplan"),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = None
    if pk is not None:
        plan = selectors.plan_get(pk)
        if plan is None:
            raise Http404("no such plan")
    _require(request.user, "change" if plan else "add")
    form = MembershipPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        plan = services.plan_save(plan=form.save(commit=False), actor=request.user)
        if payments.card_payments_enabled(request.tenant):
            try:
                services.plan_publish(tenant=request.tenant, plan=plan)  # after the commit
            except services.PlansUnavailable as exc:
                messages.warning(request, str(exc))  # published when the next client subscribes
        messages.success(request, _("Plan saved."))
        return HttpResponseRedirect(reverse("staff:memberships"), status=303)
    status = 400 if request.method == "POST" else 200
    return render_cabinet(
        request, "staff/membership_plan_form.html", {"form": form, "plan": plan}, status=status
    )


@require_GET
@staff_required
def plan_subscribers(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "view")
    plan = selectors.plan_get(pk)
    if plan is None:
        raise Http404("no such plan")
    return render_cabinet(
        request,
        "staff/membership_subscribers.html",
        {
            "plan": plan,
            "memberships": list(selectors.plan_subscribers(staff=request.user, plan=plan)),
        },
    )
