from django.apps import AppConfig


class CabinetConfig(AppConfig):
    name = "cabinet"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from cabinet.checks import check_verticals

        checks.register(check_verticals)
        from cabinet import (
            receivers,  # noqa: F401
            tasks,  # noqa: F401 — registered, so services send them by name
        )
        from cabinet.content.starter import STARTER_CONTENT_VERSION, seed_vertical
        from cabinet.memberships import receivers as membership_receivers
        from tenants.schema_templates import register_starter_content

        membership_receivers.connect()
        register_starter_content(version=STARTER_CONTENT_VERSION, seed=seed_vertical)
