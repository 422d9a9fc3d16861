"""Staff notes on a client: written by those who may change the client's profile (the owner,
admins, managers and operators, on the clients they see), every change audited with its before
and after."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cabinet.access import staff_required
from cabinet.accounts.models import ClientProfile
from cabinet.staff.selectors import client_get_for
from rbac.audit import audit_record
from rbac.models import User

MAX_NOTES = 4000


def can_edit_notes(user: User) -> bool:
    return user.is_superuser or user.has_perm("cabinet.change_clientprofile")


@transaction.atomic
def client_notes_set(*, client: ClientProfile, notes: str, by: User) -> ClientProfile:
    if not can_edit_notes(by):
        raise PermissionDenied("change_clientprofile")
    notes = "\n".join(line.rstrip() for line in (notes or "").strip().splitlines())
    if len(notes) > MAX_NOTES:
        raise ValidationError(_("Notes are at most 4000 characters."), code="too_long")
    locked = ClientProfile.objects.select_for_update(of=("self",)).get(pk=client.pk)
    if locked.notes == notes:
        return locked
    before, locked.notes = locked.notes, notes
    locked.save(update_fields=["notes"])
    audit_record(action="client.notes_changed", actor=by, target=locked,
                 changes={"notes": [before, notes]})  # fmt: skip
    return locked


@require_POST
@staff_required
def client_notes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get_for(request.user, pk)
    if client is None:
        raise Http404
    try:
        client_notes_set(client=client, notes=request.POST.get("notes", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Notes saved."))
    return HttpResponseRedirect(reverse("staff:client", args=[client.pk]), status=303)
