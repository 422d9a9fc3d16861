from django.urls import path

from cabinet.hotel import views

app_name = "hotel"

urlpatterns = [
    path("stay/", views.stay_home, name="stay"),
    path("stay/<int:pk>/", views.stay_detail, name="stay-detail"),
    path("stay/<int:pk>/check-in/", views.stay_check_in_view, name="check-in"),
    path("stays/", views.stay_list, name="stays"),
    path("map/", views.resort_map, name="map"),
]
