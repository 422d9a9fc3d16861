"""CSV files people open in Excel or LibreOffice, made in one place:

- a cell that a spreadsheet would read as a formula (text starting with = + - @, a tab or a
  carriage return) gets a leading apostrophe, so `=HYPERLINK(...)` typed into a name by a client
  stays text in the staff member's spreadsheet (OWASP "CSV injection");
- the file starts with a UTF-8 byte-order mark, so Excel reads Cyrillic as Cyrillic;
- numbers (int, Decimal, float) are written as numbers: a negative amount is not a formula.
"""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def csv_cell(value: object) -> str | int | float | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8")


def csv_response(rows: Iterable[Iterable[object]], *, filename: str) -> HttpResponse:
    response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
