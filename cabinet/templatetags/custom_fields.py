"""`{% custom_fields record "stay" %}`: a record's owner-defined fields on its page — for a client
their own fields with a link to fill them in, for staff the values (personal ones masked) with a
link to the record's details page."""

from django import template
from django.template.loader import get_template

from cabinet.custom_fields import services as cf
from cabinet.custom_fields.services import staff_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def custom_fields(context: template.Context, record: object, target: str) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if record is None or user is None or not user.is_authenticated or cf.target_of(target) is None:
        return ""
    if user.is_staff:
        panel = staff_panel(user, record, target)
        name = "staff/_custom_fields.html"
    else:
        fields = cf.fields_for(target, audience="client")
        shown = cf.shown_values(record, fields, audience="client")
        panel = fields and {"target": target, "record": record, "shown": shown}
        name = "cabinet/_custom_fields.html"
    if not panel:
        return ""
    return get_template(name).render({**panel, "request": request}, request)
