from django import template
from django.template.loader import get_template

from cabinet.verticals import panel_for

register = template.Library()


@register.simple_tag(takes_context=True)
def vertical_panel(context: template.Context, place: str) -> str:
    """What the cabinet's vertical adds to a common page at `place`, rendered with the page's
    context; nothing on a vertical that adds nothing there."""
    name = panel_for(place)
    if not name:
        return ""
    return get_template(name).render(context.flatten(), context.get("request"))
