from django.urls import path

from cabinet.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("handoff/", views.handoff, name="handoff"),
]
