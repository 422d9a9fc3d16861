"""Locale-aware formats for templates:
`{% load formats %}{{ order.total|money:order.currency }}`."""

from decimal import Decimal

from django import template

from cabinet.common.money import money as format_money
from cabinet.content.translations import tr as content_tr
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
    language, else the cabinet's default, else any written; cabinet.content.translations)."""
    return content_tr(obj, field)
