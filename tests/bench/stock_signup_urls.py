"""The platform host's URLs (config.urls_public, unchanged) for the provisioning benchmark's mode
(c): importing this module, which the server does before it routes its first platform request,
makes tenant_provision run migrations instead of renaming a spare or cloning the template."""

from config.urls_public import urlpatterns
from tests.bench.stock_schema import install

install()

__all__ = ["urlpatterns"]
