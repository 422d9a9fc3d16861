"""The services page: the catalog by section, what a client orders from."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cabinet.access import client_of
from cabinet.catalog import selectors
from cabinet.rendering import render_cabinet


@require_GET
@login_required
def services(request: HttpRequest) -> HttpResponse:
    client_of(request)
    catalog = selectors.catalog()
    now = timezone.localtime()
    closed = {item.pk for _category, items in catalog for item in items
              if not item.is_available_at(now)}  # fmt: skip
    from cabinet.wallet.loyalty import loyalty_settings

    context = {"catalog": catalog, "closed": closed,
               "on_site_allowed": loyalty_settings().on_site_allowed}  # fmt: skip
    return render_cabinet(request, "cabinet/services.html", context)
