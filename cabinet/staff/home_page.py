"""The owner composes the clients' home page: which blocks show, and in what order."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cabinet.access import owner_required
from cabinet.branding.selectors import branding_get
from cabinet.branding.services import home_blocks_set
from cabinet.content.home import home_layout
from cabinet.rendering import render_cabinet


@require_http_methods(["GET", "POST"])
@owner_required
def home_page(request: HttpRequest) -> HttpResponse:
    layout = home_layout(branding_get().home_blocks)
    if request.method == "POST":
        keys = _chosen(request, [block.key for block, _on in layout])
        try:
            home_blocks_set(request=request, keys=keys)
        except ValidationError as exc:
            return render_cabinet(request, "staff/home_page.html",
                                  {"layout": layout, "error": " ".join(exc.messages)},
                                  status=400)  # fmt: skip
        messages.success(request, _("Your clients' home page is saved."))
        return HttpResponseRedirect(reverse("staff:home-page"))
    return render_cabinet(request, "staff/home_page.html", {"layout": layout})


def _chosen(request: HttpRequest, shown: list[str]) -> list[str]:
    """The blocks switched on, in the order shown, after the one move asked for (if any);
    "reset" goes back to the vertical's defaults."""
    if "reset" in request.POST:
        return []
    order = request.POST.getlist("order") or shown
    on = set(request.POST.getlist("on"))
    key, _colon, direction = request.POST.get("move", "").partition(":")
    if key in order and direction in ("up", "down"):
        at = order.index(key)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
    return [key for key in order if key in on]
