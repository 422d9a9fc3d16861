from django.urls import path

from cabinet.shop import staff_views

app_name = "shop-staff"

urlpatterns = [
    path("shipments/", staff_views.shipments, name="shipments"),
    path("shipments/<int:pk>/", staff_views.shipment, name="shipment"),
    path("returns/", staff_views.returns, name="returns"),
    path("returns/<int:pk>/", staff_views.return_decision, name="return"),
]
