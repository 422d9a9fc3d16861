"""/api/v1/ on both hosts, with each host's own OpenAPI schema and docs (served from static
files by drf-spectacular-sidecar, no CDN)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from api import client
from api.branding import BrandingView
from api.me import MeProfileView, MeView, TokenView
from api.root import ApiRootView
from api.signup import SignupView, SlugAvailabilityView
from api.staff_catalog import StaffCatalogItemView, StaffCatalogView
from api.staff_clients import StaffClientsView, StaffClientView
from api.staff_orders import StaffOrderStatusView, StaffOrdersView
from cabinet.verticals import api_routes


def _api_urlpatterns(
    *, urlconf: str, endpoints: list[URLPattern | URLResolver]
) -> list[URLPattern | URLResolver]:
    return [
        path("api/v1/", include([path("", ApiRootView.as_view(), name="api-root"), *endpoints])),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        # Swagger UI with its set-up script served as a file (the CSP allows no inline script).
        path(
            "api/docs/",
            SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
            name="api-docs",
        ),
        # Redoc writes its styles into the page as it runs: this one page allows inline style.
        path(
            "api/redoc/",
            csp_update({"style-src": [UNSAFE_INLINE]})(
                SpectacularRedocView.as_view(url_name="api-schema")
            ),
            name="api-redoc",
        ),
    ]


public_api_urlpatterns = _api_urlpatterns(
    urlconf="config.urls_public",
    endpoints=[
        path("signup/", SignupView.as_view(), name="api-signup"),
        path("signup/slug/", SlugAvailabilityView.as_view(), name="api-signup-slug"),
    ],
)


def _vertical_routes() -> list[URLPattern | URLResolver]:
    """The routes the installed verticals declare (`api_routes`: prefix, viewset, basename)."""
    router = SimpleRouter()
    for prefix, viewset, basename in api_routes():
        router.register(prefix, viewset, basename=basename)
    return router.urls


tenant_api_urlpatterns = _api_urlpatterns(
    urlconf="config.urls_tenant",
    endpoints=[
        path("branding/", BrandingView.as_view(), name="api-branding"),
        path("me/", MeView.as_view(), name="api-me"),
        path("me/profile/", MeProfileView.as_view(), name="api-me-profile"),
        path("auth/token/", TokenView.as_view(), name="api-token"),
        path("catalog/", client.CatalogView.as_view(), name="api-catalog"),
        path("orders/", client.OrdersView.as_view(), name="api-orders"),
        path("orders/<int:pk>/", client.OrderView.as_view(), name="api-order"),
        path("events/", client.EventsView.as_view(), name="api-events"),
        path("events/<int:pk>/bookings/", client.EventBookingView.as_view(), name="api-book"),
        path("wallet/", client.WalletView.as_view(), name="api-wallet"),
        path("wallet/top-up/", client.WalletTopUpView.as_view(), name="api-wallet-top-up"),
        path("bookings/", client.BookingsView.as_view(), name="api-bookings"),
        path("bookings/<int:pk>/", client.BookingView.as_view(), name="api-booking"),
        path(
            "bookings/<int:pk>/cancel/",
            client.BookingCancelView.as_view(),
            name="api-booking-cancel",
        ),
        path("documents/<str:token>/", client.DocumentView.as_view(), name="api-document"),
        path("staff/clients/", StaffClientsView.as_view(), name="api-staff-clients"),
        path("staff/clients/<int:pk>/", StaffClientView.as_view(), name="api-staff-client"),
        path("staff/orders/", StaffOrdersView.as_view(), name="api-staff-orders"),
        path("staff/catalog/", StaffCatalogView.as_view(), name="api-staff-catalog"),
        path(
            "staff/catalog/<int:pk>/", StaffCatalogItemView.as_view(), name="api-staff-catalog-item"
        ),
        path(
            "staff/orders/<int:pk>/status/",
            StaffOrderStatusView.as_view(),
            name="api-staff-order-status",
        ),
        *_vertical_routes(),  # each installed vertical's API (cabinet.verticals)
    ],
)
