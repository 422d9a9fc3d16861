from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def home_block(context: template.Context, name: str, data: dict) -> str:
    """One block of the clients' home, drawn with the page's context and the block's own data."""
    return get_template(name).render({**context.flatten(), **data}, context.get("request"))
