from django.contrib.auth import views as auth_views
from django.urls import path

from tenants import control

app_name = "control"

urlpatterns = [
    path("", control.tenants, name="tenants"),
    path("login/", control.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="control:login"), name="logout"),
    path("tenants/<int:pk>/", control.tenant_detail, name="tenant"),
    path("tenants/<int:pk>/status/", control.tenant_status, name="tenant-status"),
    path("tenants/<int:pk>/impersonate/", control.tenant_impersonate, name="tenant-impersonate"),
    path("tenants/<int:pk>/purge/", control.tenant_purge_view, name="tenant-purge"),
    path("pool/", control.pool, name="pool"),
    path("pool/refill/", control.pool_refill_view, name="pool-refill"),
    path("kpis/", control.kpis, name="kpis"),
]
