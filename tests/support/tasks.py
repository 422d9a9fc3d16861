"""Probe tasks the worker tests load through CELERY_IMPORTS; never imported by the app."""

import time

from celery import shared_task
from django.db import connection

from rbac.models import User


@shared_task(name="tests.record_marker")
def record_marker(label: str, delay: float = 0.0) -> str:
    """Leave a row in the schema the task ran in; idempotent for one label."""
    time.sleep(delay)
    User.objects.get_or_create(email=f"marker-{label}@example.com")
    return connection.schema_name


@shared_task(name="tests.platform_probe", platform_level=True)
def platform_probe() -> str:
    return connection.schema_name
