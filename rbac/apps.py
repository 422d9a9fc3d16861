from django.apps import AppConfig


class RbacConfig(AppConfig):
    name = "rbac"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from rbac import (
            browser_trust,
            receivers,
            tasks,  # noqa: F401 — registered, so services send them by name
        )

        browser_trust.install()

        # After a tenant schema (or a template) is migrated, its role groups get any permission
        # the code added since (cabinet's come last, so this runs once they exist).
        post_migrate.connect(receivers.roles_refresh, dispatch_uid="rbac.roles_refresh")
