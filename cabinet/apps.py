from django.apps import AppConfig


class CabinetConfig(AppConfig):
    name = "cabinet"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cabinet import receivers  # noqa: F401
