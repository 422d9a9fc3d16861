from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The shop vertical: delivery and tracking, self-service returns, the address book."""

    name = "cabinet.shop"
    label = "shop"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cabinet.shop import receivers  # noqa: F401 — connects the order receiver
