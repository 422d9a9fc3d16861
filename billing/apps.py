from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing import (
            receivers,  # noqa: F401
            tasks,  # noqa: F401 — registered, so services send them by name
        )
