"""The design system on one page: the type scale, the spacing scale, colours (light and dark),
icons, buttons, inputs, the quantity stepper, the file drop zone, tabs, the bottom sheet, empty
states and loading skeletons, each with the class or template to use. For the owner and whoever
builds the next page; nothing on it changes data."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cabinet.access import owner_required
from cabinet.branding.contrast import TEXT_RATIO, UI_RATIO, lightened_to, readable_on
from cabinet.branding.selectors import branding_get
from cabinet.content.forms import picture_input
from cabinet.rendering import render_cabinet

TYPE_SCALE = ("xs", "sm", "base", "lg", "xl", "2xl", "3xl")
SPACE_SCALE = (("half", 4), ("1", 8), ("1-5", 12), ("2", 16), ("3", 24), ("4", 32), ("5", 40),
               ("6", 48))  # fmt: skip
ICONS = ("house", "calendar-days", "shopping-bag", "message-circle", "wallet", "user", "ellipsis",
         "bed-double", "map", "list-checks", "inbox", "users", "chart-column", "file-text",
         "palette", "layout-dashboard", "shield", "key-round", "webhook", "globe", "credit-card",
         "scroll-text", "users-round", "ticket", "package", "graduation-cap", "backpack",
         "megaphone", "log-out", "settings", "bell", "sparkles", "info", "image", "chevron-right",
         "check", "x", "receipt")  # fmt: skip


class SampleForm(forms.Form):
    """Every kind of input, as forms render them (_fields.html)."""

    name = forms.CharField(label=gettext_lazy("Name"), help_text=gettext_lazy("A hint below."))
    email = forms.EmailField(label=gettext_lazy("Email"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("a", gettext_lazy("First")), ("b", gettext_lazy("Second"))],
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea, required=False)
    agree = forms.BooleanField(label=gettext_lazy("A checkbox"), required=False)
    picture = forms.ImageField(label=gettext_lazy("Picture"), required=False,
                               widget=picture_input())  # fmt: skip


@require_GET
@owner_required
def design_page(request: HttpRequest) -> HttpResponse:
    branding = branding_get()
    invalid = SampleForm({"name": "", "email": "not an email", "kind": "a"})
    invalid.is_valid()
    colours = [
        ("--brand-primary", branding.primary_colour, readable_on(branding.primary_colour)),
        ("--brand-accent", branding.accent_colour, readable_on(branding.accent_colour)),
        ("--brand-primary-on-dark",
         lightened_to(branding.primary_colour, ratio=TEXT_RATIO), "#181d24"),
        ("--brand-accent-on-dark",
         lightened_to(branding.accent_colour, ratio=UI_RATIO), "#181d24"),
    ]  # fmt: skip
    context = {
        "type_scale": TYPE_SCALE,
        "space_scale": SPACE_SCALE,
        "icons": ICONS,
        "colours": colours,
        "form": SampleForm(),
        "invalid_form": invalid,
    }
    return render_cabinet(request, "staff/design.html", context)
