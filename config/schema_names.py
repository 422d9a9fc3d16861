"""The OpenAPI schema's enum names (drf-spectacular's ENUM_NAME_OVERRIDES): the core's, named in
settings, and those each installed app declares as `api_enum_names` on its AppConfig (a
vertical names its own models' choices there), read when the schema is first made — after the
app registry is ready, so settings need not name a vertical's models."""

from collections.abc import Iterator, Mapping

from django.apps import apps


class EnumNames(Mapping):
    def __init__(self, core: dict[str, str]) -> None:
        self.core = core

    def _all(self) -> dict[str, str]:
        names = dict(self.core)
        for config in apps.get_app_configs():
            names.update(getattr(config, "api_enum_names", {}))
        return names

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
