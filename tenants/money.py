"""Money as people read it in their language: the currency's symbol or code where the locale
puts it, and its separators (en: €1,250.00 · ru: 1 250,00 € · de: 1.250,00 €), via Babel's
CLDR data. Every page, email and PDF shows amounts through `money`, the platform's billing
pages included: it lives in the lowest layer so billing and cabinet share it (cabinet.common.money
re-exports it)."""

import re
from decimal import Decimal

from babel.numbers import format_currency
from django.utils import translation


def money(amount: Decimal | int | str | None, currency: str, *, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    locale = (language or translation.get_language() or "en").replace("-", "_")
    try:
        # Stripe writes codes in lower case ("eur"); CLDR knows them in upper case.
        shown = format_currency(Decimal(str(amount)), currency.upper(), locale=locale)
    except (ValueError, ArithmeticError):  # an unknown locale or a malformed amount
        return f"{amount} {currency}"
    # Where the locale has no symbol it writes the code against the digits ("RUB3.00").
    return CODE_AGAINST_DIGITS.sub("\\1\u00a0\\2", shown)


CODE_AGAINST_DIGITS = re.compile(r"([A-Z]{3})(\d)")
