"""Kabinet's date and time styles in Russian (FORMAT_MODULE_PATH): months declined and in lower
case («7 декабря»), `E` being Django's genitive month. The names match config/formats/en."""

DATE_FORMAT = "j E Y"  # 7 декабря 2026
DATETIME_FORMAT = "j E Y, H:i"  # 7 декабря 2026, 14:30
SHORT_DATE_FORMAT = "d.m.Y"  # 07.12.2026
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"  # 07.12.2026, 14:30
MONTH_DAY_FORMAT = "j E"  # 7 декабря
YEAR_MONTH_FORMAT = "F Y"  # Декабрь 2026 (a heading: nominative)
TIME_FORMAT = "H:i"

DAY_TIME_FORMAT = "j E, H:i"  # 7 декабря, 14:30
WEEKDAY_DAY_FORMAT = "D, j E"  # Пн, 7 декабря
WEEKDAY_DATE_FORMAT = "D, j E Y"  # Пн, 7 декабря 2026
WEEKDAY_DAY_TIME_FORMAT = "l, j E, H:i"  # понедельник, 7 декабря, 14:30
WEEKDAY_DATETIME_FORMAT = "l, j E Y, H:i"  # понедельник, 7 декабря 2026, 14:30
MONTH_ABBR_FORMAT = "b"  # дек
TIMESTAMP_FORMAT = "d.m.Y, H:i:s"  # 07.12.2026, 14:30:05

FIRST_DAY_OF_WEEK = 1
