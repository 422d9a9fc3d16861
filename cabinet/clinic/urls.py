from django.urls import path

from cabinet.clinic import views

app_name = "clinic"

urlpatterns = [
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/book/", views.book_service, name="book"),
    path("appointments/book/<int:service>/", views.book_time, name="book-time"),
    path("appointments/book/<int:service>/confirm/", views.book_confirm, name="book-confirm"),
    path("appointments/<int:pk>/", views.appointment, name="appointment"),
    path("appointments/<int:pk>/move/", views.reschedule, name="reschedule"),
    path("appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/documents/<int:pk>/", views.document, name="document"),
]
