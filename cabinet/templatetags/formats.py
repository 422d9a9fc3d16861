"""Locale-aware formats for templates:
`{% load formats %}{{ order.total|money:order.currency }}`."""

from decimal import Decimal

from django import template

from cabinet.money import money as format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str) -> str:
    return format_money(amount, currency)
