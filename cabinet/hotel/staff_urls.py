from django.urls import path

from cabinet.hotel import staff_views

app_name = "hotel-staff"

urlpatterns = [
    path("stays/", staff_views.stays, name="stays"),
    path("stays/<int:pk>/", staff_views.stay, name="stay"),
    path("stays/<int:pk>/room/", staff_views.stay_room, name="stay-room"),
    path("stays/<int:pk>/status/", staff_views.stay_status, name="stay-status"),
    path("stays/<int:pk>/document/", staff_views.stay_document, name="stay-document"),
    path("map/", staff_views.map_editor, name="map"),
    path("map/plan/remove/", staff_views.map_plan_delete, name="map-plan-remove"),
]
