from django import template

from cabinet.messaging.community import short_name
from rbac.models import User

register = template.Library()


@register.filter
def member_name(user: User | None) -> str:
    """How clients see each other in the community: "Maria L.", never an email."""
    return short_name(user)
