"""The registry of verticals: the kinds of business a cabinet can be (a hotel, a shop, …).

A vertical is a Django app whose `AppConfig` subclasses `VerticalConfig` (through the cabinet's
richer `cabinet.plugins.CabinetVertical`). This module knows only what the lower layers need of
one: its key and label (the `Tenant.vertical` choices), its role permissions (rbac's built-in
roles and the abilities an owner composes custom roles from). The verticals are found among the
installed apps, as django-allauth finds its providers; nothing here, in billing or in rbac names
one. Adding a vertical is its folder plus its line in INSTALLED_APPS.
"""

from django.apps import AppConfig, apps
from django.utils.functional import Promise


class VerticalConfig(AppConfig):
    """What every vertical declares to the layers below the cabinet."""

    # Not an app's own config: Django picks the one subclass in a vertical's apps.py that says
    # `default = True`, not this base imported there.
    default = False

    # The value stored in Tenant.vertical (at most 16 characters) and the label people read.
    vertical_key: str = ""
    vertical_label: str | Promise = ""
    # Its models the cabinet's content editors edit: (app label, model name); rbac gives their
    # add/change/delete/view permissions to the roles that edit content.
    content_models: tuple[tuple[str, str], ...] = ()
    # Permissions added to rbac's built-in roles, by role ("admin", "manager", "operator").
    role_permissions: dict[str, list[str]] = {}
    # Abilities an owner may give a custom role: label (gettext_noop) -> permissions.
    permission_catalog: dict[str, list[str]] = {}
    # What an API key may be allowed on its endpoints: scope ("stays:read") -> label (lazy), the
    # owner's choice in the API-key editor; its viewsets say which scope each method needs.
    api_scopes: dict[str, str | Promise] = {}


def vertical_configs() -> list[VerticalConfig]:
    """Every installed vertical, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if isinstance(config, VerticalConfig)]


def vertical_keys() -> list[str]:
    return [config.vertical_key for config in vertical_configs()]


def vertical_choices() -> list[tuple[str, str | Promise]]:
    """The `Tenant.vertical` choices (a callable, so a new vertical needs no migration)."""
    return [(config.vertical_key, config.vertical_label) for config in vertical_configs()]


def vertical_config(key: str) -> VerticalConfig | None:
    return next((c for c in vertical_configs() if c.vertical_key == key), None)
