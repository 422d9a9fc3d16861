"""The Celery app. `tenant_schemas_celery` carries the sender's schema in a `_schema_name` header
and restores it in the worker; `tenants.tasks_base.TenantAwareTask` makes a tenant task sent from
no tenant fail instead of running in `public`."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("kabinet", task_cls="tenants.tasks_base:TenantAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
