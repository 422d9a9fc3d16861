"""Kabinet's date and time styles in Arabic (FORMAT_MODULE_PATH). Arabic names months in full
(«7 ديسمبر 2026»): there is no abbreviation, so the short styles name the month too. Digits
stay Western, as Babel's `ar` money does. The names match config/formats/en.

Each date starts with a right-to-left mark, as CLDR's Arabic patterns and Babel's Arabic money
do: beside a left-to-right name ("Anna · 7 ديسمبر، 09:52") the day's number then stays with its
month instead of joining the name."""

RLM = "\u200f"

DATE_FORMAT = RLM + "j F Y"  # 7 ديسمبر 2026
DATETIME_FORMAT = RLM + "j F Y، H:i"  # 7 ديسمبر 2026، 14:30
SHORT_DATE_FORMAT = RLM + "j F Y"  # 7 ديسمبر 2026 (no numeric day/month order to guess)
SHORT_DATETIME_FORMAT = RLM + "j F Y، H:i"  # 7 ديسمبر 2026، 14:30
MONTH_DAY_FORMAT = RLM + "j F"  # 7 ديسمبر
YEAR_MONTH_FORMAT = RLM + "F Y"  # ديسمبر 2026
TIME_FORMAT = "H:i"

DAY_TIME_FORMAT = RLM + "j F، H:i"  # 7 ديسمبر، 14:30
WEEKDAY_DAY_FORMAT = RLM + "l j F"  # الاثنين 7 ديسمبر
WEEKDAY_DATE_FORMAT = RLM + "l j F Y"  # الاثنين 7 ديسمبر 2026
WEEKDAY_DAY_TIME_FORMAT = RLM + "l j F، H:i"  # الاثنين 7 ديسمبر، 14:30
WEEKDAY_DATETIME_FORMAT = RLM + "l j F Y، H:i"  # الاثنين 7 ديسمبر 2026، 14:30
MONTH_ABBR_FORMAT = RLM + "F"  # ديسمبر (the month on a date chip)
TIMESTAMP_FORMAT = RLM + "j F Y، H:i:s"  # 7 ديسمبر 2026، 14:30:05

FIRST_DAY_OF_WEEK = 6  # Saturday, as calendars in most Arab countries begin the week
