"""URLs of a tenant's host: the client cabinet, the staff back office (/staff/), the API."""

from django.urls import include, path

from api.urls import tenant_api_urlpatterns
from cabinet import verticals
from cabinet.accounts import account_views as account
from cabinet.accounts import profile_views
from cabinet.branding import pwa_views as pwa
from cabinet.notifications import views as notification_views
from config import errors
from rbac import session_views
from tenants.health import health
from tenants.views import tenant_media

urlpatterns = [
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("branding.css", pwa.branding_css, name="branding-css"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("icons/<int:size>.png", pwa.icon, name="pwa-icon"),
    path("offline/", pwa.offline, name="offline"),
    path("health/", health, name="health"),
    path("media/<path:path>", tenant_media, name="media"),
    *tenant_api_urlpatterns,
    # OpenID Connect with the ID token's signature always checked (before allauth's own).
    path("accounts/oidc/", include("rbac.oidc")),
    *session_views.urlpatterns,  # the sessions page, before allauth's own
    path("accounts/", include("allauth.urls")),
    path("account/", account.account, name="account"),
    path("account/profile/", profile_views.profile, name="account-profile"),
    path("account/notifications/", notification_views.preferences, name="notification-settings"),
    path(
        "account/notifications/telegram/",
        notification_views.telegram_confirm,
        name="telegram-confirm",
    ),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("account/push/", notification_views.push_subscribe, name="push-subscribe"),
    path("account/push/off/", notification_views.push_forget, name="push-forget"),
    path("account/export/", account.export_create, name="account-export"),
    path("account/export/<int:pk>/", account.export_status, name="account-export-status"),
    path("account/download/<str:token>/", account.download, name="account-download"),
    path("account/delete/", account.deletion, name="account-delete"),
    path("account/phone/remove/", account.phone_remove, name="account-phone-remove"),
    path("account/delete/cancel/", account.deletion_cancel, name="account-delete-cancel"),
    path("staff/", include("cabinet.staff.urls")),
    *verticals.urlpatterns(),  # each installed vertical's pages (cabinet.verticals)
    path("", include("cabinet.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
