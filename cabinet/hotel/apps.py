from django.apps import AppConfig


class HotelConfig(AppConfig):
    """The hotel vertical: stays, online check-in, the resort map. Its tables exist in every
    cabinet's schema; its pages answer only on hotels (cabinet.verticals)."""

    name = "cabinet.hotel"
    label = "hotel"
    verbose_name = "Hotel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cabinet.hotel import receivers  # noqa: F401 — its answers to the personal-data signals
