"""Kabinet's date and time styles in German (FORMAT_MODULE_PATH): «7. Dezember 2026», short dates
as 07.12.2026, the 24-hour clock. The names match config/formats/en."""

DATE_FORMAT = "j. F Y"  # 7. Dezember 2026
DATETIME_FORMAT = "j. F Y, H:i"  # 7. Dezember 2026, 14:30
SHORT_DATE_FORMAT = "d.m.Y"  # 07.12.2026
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"  # 07.12.2026, 14:30
MONTH_DAY_FORMAT = "j. M"  # 7. Dez
YEAR_MONTH_FORMAT = "F Y"  # Dezember 2026
TIME_FORMAT = "H:i"

DAY_TIME_FORMAT = "j. M, H:i"  # 7. Dez, 14:30
WEEKDAY_DAY_FORMAT = "D, j. M"  # Mo, 7. Dez
WEEKDAY_DATE_FORMAT = "D, j. M Y"  # Mo, 7. Dez 2026
WEEKDAY_DAY_TIME_FORMAT = "l, j. F, H:i"  # Montag, 7. Dezember, 14:30
WEEKDAY_DATETIME_FORMAT = "l, j. F Y, H:i"  # Montag, 7. Dezember 2026, 14:30
MONTH_ABBR_FORMAT = "M"  # Dez
TIMESTAMP_FORMAT = "d.m.Y, H:i:s"  # 07.12.2026, 14:30:05

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
FIRST_DAY_OF_WEEK = 1  # Montag
