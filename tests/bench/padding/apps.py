from django.apps import AppConfig


class PaddingConfig(AppConfig):
    name = "tests.bench.padding"
    label = "padding"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Bench padding"
