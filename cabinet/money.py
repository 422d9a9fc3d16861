"""The cabinet's money format: the one formatter the platform shares (tenants.money), so the
cabinet's pages and the billing pages print amounts alike."""

from tenants.money import CODE_AGAINST_DIGITS, money

__all__ = ["CODE_AGAINST_DIGITS", "money"]
