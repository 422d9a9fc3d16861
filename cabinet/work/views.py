"""The client's requests: what they asked for and where it stands, and the short forms the owner
lets clients send ("late check-out", "book a taxi")."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import client_of
from cabinet.rendering import render_cabinet
from cabinet.work.intake import client_request_submit, client_work, requestable_types


@require_GET
@login_required
def client_requests(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    return render_cabinet(request, "cabinet/requests.html", {
        "types": list(requestable_types()), "work": list(client_work(client)[:50]),
        "submission_key": uuid.uuid4().hex, "chosen": request.GET.get("type", ""),
    })  # fmt: skip


@require_POST
@login_required
def client_request_send(request: HttpRequest) -> HttpResponse:
    client = client_of(request)
    try:
        type_pk = int(request.POST.get("type", ""))
    except ValueError:
        type_pk = 0
    chosen = requestable_types().filter(pk=type_pk).first()
    if chosen is None:
        messages.error(request, _("Choose what you ask for."))
        return HttpResponseRedirect(reverse("cabinet:requests"), status=303)
    try:
        client_request_submit(
            client=client, type=chosen, details=request.POST.get("details", ""),
            submission_key=request.POST.get("submission_key", ""),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sent. We will get back to you."))
    return HttpResponseRedirect(reverse("cabinet:requests"), status=303)
