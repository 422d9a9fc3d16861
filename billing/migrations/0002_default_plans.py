"""The three plans every installation starts with; Free is the default (the plan of every tenant
without a subscription). Prices and quotas are data: change them in the database, not here."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {
        "code": "free",
        "name": "Free",
        "monthly_price": Decimal("0.00"),
        "is_default": True,
        "clients": 100,
        "staff_seats": 2,
        "orders_per_month": 200,
        "bookings_per_month": 200,
        "notifications_per_month": 1000,
        "storage_mb": 500,
        # no overage prices: the free plan stops at its quotas
    },
    {
        "code": "start",
        "name": "Start",
        "monthly_price": Decimal("29.00"),
        "clients": 1000,
        "staff_seats": 5,
        "orders_per_month": 2000,
        "bookings_per_month": 2000,
        "notifications_per_month": 10000,
        "storage_mb": 5000,
        "overage_per_client": Decimal("0.0500"),
        "overage_per_staff_seat": Decimal("9.0000"),
        "overage_per_order": Decimal("0.0500"),
        "overage_per_booking": Decimal("0.0500"),
        "overage_per_notification": Decimal("0.0100"),
        "overage_per_storage_mb": Decimal("0.0020"),
    },
    {
        "code": "business",
        "name": "Business",
        "monthly_price": Decimal("99.00"),
        "clients": None,
        "staff_seats": 25,
        "orders_per_month": None,
        "bookings_per_month": None,
        "notifications_per_month": 100000,
        "storage_mb": 50000,
        "overage_per_staff_seat": Decimal("7.0000"),
        "overage_per_notification": Decimal("0.0050"),
        "overage_per_storage_mb": Decimal("0.0010"),
    },
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.bulk_create([Plan(currency="EUR", **fields) for fields in PLANS])


def delete_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(code__in=[fields["code"] for fields in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_plans_subscriptions_usage"),
    ]

    operations = [
        migrations.RunPython(create_plans, delete_plans),
    ]
