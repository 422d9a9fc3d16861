"""URLs of the platform's own host (PLATFORM_DOMAIN): landing, signup, control panel."""

from django.urls import path

from api.urls import public_api_urlpatterns
from tenants.health import health
from tenants.views import landing, tenant_media

urlpatterns = [
    path("", landing, name="landing"),
    path("health/", health, name="health"),
    path("media/<path:path>", tenant_media, name="media"),
    *public_api_urlpatterns,
]
