from django.urls import path

from cabinet.shop import views

app_name = "shop"

urlpatterns = [
    path("returns/", views.return_list, name="returns"),
    path("returns/new/<int:order_pk>/", views.return_new, name="return-new"),
    path("addresses/", views.addresses, name="addresses"),
    path("addresses/<int:pk>/", views.address_edit, name="address"),
    path("addresses/<int:pk>/remove/", views.address_remove, name="address-remove"),
    path("orders/<int:order_pk>/deliver-to/", views.order_deliver_to, name="deliver-to"),
]
