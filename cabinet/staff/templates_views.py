"""The owner's own wording of notification emails, per kind of event and language
(/staff/messages/templates/). An empty template means the built-in wording."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabinet.access import owner_required
from cabinet.content.translations import content_languages, language_names
from cabinet.notifications.models import MessageTemplate, notification_event_choices
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record


class TemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )  # fmt: skip

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("subject", "").strip()) != bool(cleaned.get("body", "").strip()):
            raise forms.ValidationError(_("Fill in both the subject and the text, or neither."))
        return cleaned


def _slots() -> list[tuple[str, str, str, str]]:
    """(event, its label, language, the language's name) for the cabinet's content languages."""
    names = language_names()
    return [(event, str(label), code, names[code]) for event, label in notification_event_choices()
            for code in content_languages()]  # fmt: skip


@require_http_methods(["GET", "POST"])
@owner_required
def message_templates(request: HttpRequest) -> HttpResponse:
    saved = {(t.event, t.language): t for t in MessageTemplate.objects.all()}
    status, errors = 200, {}
    if request.method == "POST":
        event, language = request.POST.get("event", "")[:16], request.POST.get("language", "")[:8]
        if (event, language) not in {(e, c) for e, _l, c, _n in _slots()}:
            raise Http404
        form = TemplateForm(request.POST, auto_id=f"{event}-{language}-%s")
        if form.is_valid():
            subject, body = form.cleaned_data["subject"].strip(), form.cleaned_data["body"].strip()
            if subject:
                MessageTemplate.objects.update_or_create(
                    event=event, language=language, defaults={"subject": subject, "body": body}
                )
            else:
                MessageTemplate.objects.filter(event=event, language=language).delete()
            audit_record(action="message_template.saved", actor=request.user,
                         changes={"event": event, "language": language,
                                  "custom": bool(subject)})  # fmt: skip
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("staff:message-templates"))
        status, errors = 400, {(event, language): form}
    rows = []
    for event, label, code, name in _slots():
        template = saved.get((event, code))
        form = errors.get((event, code)) or TemplateForm(
            initial={"subject": template.subject, "body": template.body} if template else None,
            auto_id=f"{event}-{code}-%s",
        )
        rows.append({"event": event, "label": label, "language": code, "language_name": name,
                     "form": form, "custom": template is not None})  # fmt: skip
    return render_cabinet(request, "staff/message_templates.html", {"rows": rows}, status=status)
