"""The cabinet's gauges, read for billing: how many clients and staff seats it has and how much
storage its files take. A nightly task reports them (billing.usage.gauge_report); Stripe bills
the period's last reading beyond the plan's quota."""

from django.contrib.auth import get_user_model

from billing import usage
from cabinet.common.storage_quota import storage_use


def gauges_count() -> dict[str, int]:
    """The levels now, counted as the limits count them when something is added: active client
    accounts, active staff accounts, and the cabinet's files in whole MB."""
    users = get_user_model().objects.filter(is_active=True)
    return {
        "clients": users.filter(is_staff=False).count(),
        "staff_seats": users.filter(is_staff=True).count(),
        "storage_mb": storage_use()["used"],
    }


def gauges_report() -> dict[str, bool]:
    """Today's reading of each gauge to billing; per gauge, whether it was new."""
    return {metric: usage.gauge_report(metric, level) for metric, level in gauges_count().items()}
