"""The cabinet's money format: the one formatter the platform shares (tenants.money), so the
cabinet's pages and the billing pages print amounts alike, and the currencies a price may be in."""

from django.db import models

from tenants.money import CODE_AGAINST_DIGITS, money

__all__ = ["CODE_AGAINST_DIGITS", "Currency", "money"]


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    RUB = "RUB", "RUB"
    GBP = "GBP", "GBP"
