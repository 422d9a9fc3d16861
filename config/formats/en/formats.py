"""Kabinet's date and time styles in English (FORMAT_MODULE_PATH). Templates name a style,
`{{ when|date:"DAY_TIME_FORMAT" }}`, never a pattern; Python uses
`django.utils.formats.date_format(value, "DAY_TIME_FORMAT")` inside the person's language."""

DATE_FORMAT = "j F Y"  # 7 December 2026
DATETIME_FORMAT = "j F Y, H:i"  # 7 December 2026, 14:30
SHORT_DATE_FORMAT = "j M Y"  # 7 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 7 Dec 2026, 14:30
MONTH_DAY_FORMAT = "j M"  # 7 Dec
YEAR_MONTH_FORMAT = "F Y"  # December 2026
TIME_FORMAT = "H:i"

# Our named styles beyond Django's own (django.utils.formats.get_format finds any name here).
DAY_TIME_FORMAT = "j M, H:i"  # 7 Dec, 14:30
WEEKDAY_DAY_FORMAT = "D j M"  # Mon 7 Dec
WEEKDAY_DATE_FORMAT = "D j M Y"  # Mon 7 Dec 2026
WEEKDAY_DAY_TIME_FORMAT = "l j F, H:i"  # Monday 7 December, 14:30
WEEKDAY_DATETIME_FORMAT = "l j F Y, H:i"  # Monday 7 December 2026, 14:30
MONTH_ABBR_FORMAT = "M"  # Dec (the month on a date chip)
TIMESTAMP_FORMAT = "j M Y, H:i:s"  # 7 Dec 2026, 14:30:05 (audit trails)

FIRST_DAY_OF_WEEK = 1  # Monday
