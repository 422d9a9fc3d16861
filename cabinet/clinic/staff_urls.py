from django.urls import path

from cabinet.clinic import staff_views

app_name = "clinic-staff"

urlpatterns = [
    path("schedule/", staff_views.schedule, name="schedule"),
    path("schedule/<int:pk>/", staff_views.appointment, name="appointment"),
    path("schedule/<int:pk>/cancel/", staff_views.cancel, name="cancel"),
    path("schedule/documents/<int:pk>/", staff_views.document, name="document"),
    path("specialists/", staff_views.specialists, name="specialists"),
    path("specialists/<int:pk>/", staff_views.specialist, name="specialist"),
    path("booking-rules/", staff_views.booking_rules, name="booking-rules"),
]
