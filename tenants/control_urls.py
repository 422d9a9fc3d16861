from django.urls import path
from django.views.generic import RedirectView

from tenants import control

app_name = "control"

urlpatterns = [
    path("", control.tenants, name="tenants"),
    # Platform admins sign in through django-allauth, with their second factor.
    path(
        "login/",
        RedirectView.as_view(url="/accounts/login/?next=/control/", permanent=False),
        name="login",
    ),
    path("tenants/<int:pk>/", control.tenant_detail, name="tenant"),
    path("tenants/<int:pk>/status/", control.tenant_status, name="tenant-status"),
    path("tenants/<int:pk>/impersonate/", control.tenant_impersonate, name="tenant-impersonate"),
    path("tenants/<int:pk>/purge/", control.tenant_purge_view, name="tenant-purge"),
    path("tenants/<int:pk>/sign-out/", control.tenant_sign_out_view, name="tenant-sign-out"),
    path("tenants/<int:pk>/move/", control.tenant_move_view, name="tenant-move"),
    path("cluster/", control.cluster, name="cluster"),
    path("cluster/rebalance/", control.cluster_rebalance_view, name="cluster-rebalance"),
    path("pool/", control.pool, name="pool"),
    path("pool/refill/", control.pool_refill_view, name="pool-refill"),
    path("kpis/", control.kpis, name="kpis"),
    path("health/", control.health_view, name="health"),
]
