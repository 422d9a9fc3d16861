"""Locale-aware formats for templates:
`{% load formats %}{{ order.total|money:order.currency }}`."""

from decimal import Decimal

from django import template

from cabinet.content_i18n import tr as content_tr
from cabinet.money import money as format_money
from rbac.devices import device_name

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def device(user_agent: str) -> str:
    """ "Chrome on Linux", "Mobile Safari on iOS (iPhone)": a browser as a person names it."""
    return device_name(user_agent)


@register.filter
def tr(obj: object, field: str) -> str:
    """The owner's text in the reader's language: `{{ service|tr:"name" }}` (the active
    language, else the cabinet's default, else any written; cabinet.content_i18n)."""
    return content_tr(obj, field)
