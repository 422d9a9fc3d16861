"""URLs of a tenant's host: the client cabinet, the staff back office (/staff/), the API."""

from django.urls import include, path

from api.urls import tenant_api_urlpatterns
from tenants.health import health
from tenants.views import tenant_media

urlpatterns = [
    path("health/", health, name="health"),
    path("media/<path:path>", tenant_media, name="media"),
    *tenant_api_urlpatterns,
    path("accounts/", include("allauth.urls")),
    path("staff/", include("cabinet.staff.urls")),
    path("", include("cabinet.urls")),
]
