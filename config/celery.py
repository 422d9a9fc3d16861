"""The Celery app. `tenant_schemas_celery` carries the sender's schema in a `_schema_name` header
and restores it in the worker; `tenants.tasks_base.TenantAwareTask` makes a tenant task sent from
no tenant fail instead of running in `public`."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("kabinet", task_cls="tenants.tasks_base:TenantAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The filesystem transport (used when no broker server is configured) needs its folders to exist.
for _option in ("data_folder_in", "data_folder_out", "control_folder"):
    _folder = app.conf.broker_transport_options.get(_option)
    if _folder:
        os.makedirs(_folder, exist_ok=True)
