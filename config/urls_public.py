"""URLs of the platform's own host (PLATFORM_DOMAIN): landing, signup, control panel."""

from django.urls import include, path

from api.urls import public_api_urlpatterns
from billing.webhooks import stripe_webhook
from config import errors
from rbac import session_views
from tenants.health import health
from tenants.metrics import metrics
from tenants.views import landing, signup, signup_slug_check, tenant_media, tls_domain_check

urlpatterns = [
    path("", landing, name="landing"),
    path("signup/", signup, name="signup"),
    path("signup/check/", signup_slug_check, name="signup-slug-check"),
    path("control/plans/", include("billing.control_urls")),
    path("control/", include("tenants.control_urls")),
    # OpenID Connect with the ID token's signature always checked (before allauth's own).
    path("accounts/oidc/", include("rbac.oidc")),
    *session_views.urlpatterns,  # the sessions page, before allauth's own
    path("accounts/", include("allauth.urls")),
    path("billing/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("tls/domain-check/", tls_domain_check, name="tls-domain-check"),
    path("media/<path:path>", tenant_media, name="media"),
    *public_api_urlpatterns,
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
