"""System checks of the vertical plug-ins, run at start-up (registered in CabinetConfig.ready)."""

from typing import Any

from django.core import checks

from cabinet.hooks import POINTS
from cabinet.verticals import verticals


def check_verticals(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """At start-up: every vertical has its own key (at most 16 characters, Tenant.vertical's
    width) and names only extension points the core has (cabinet.hooks)."""
    errors: list[checks.CheckMessage] = []
    seen: set[str] = set()
    for vertical in verticals():
        key = vertical.vertical_key
        if not key or len(key) > 16 or key in seen:
            problem = f"{vertical.name}: vertical_key {key!r} is empty, too long or taken"
            errors.append(checks.Error(problem, id="cabinet.E101"))
        seen.add(key)
        for point in vertical.hooks:
            if point not in POINTS:
                problem = f"{vertical.name}: no extension point {point!r} (see cabinet.hooks)"
                errors.append(checks.Error(problem, id="cabinet.E102"))
    return errors
