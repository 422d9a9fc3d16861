from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants import (  # noqa: F401  (receivers: routing invalidation)
            logs,
            metrics,
            receivers,
            tasks,
        )

        logs.connect_task_signals()
        metrics.connect_task_signals()
