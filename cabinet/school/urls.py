from django.urls import path

from cabinet.school import views

app_name = "school"

urlpatterns = [
    path("children/", views.children, name="children"),
    path("children/<int:pk>/", views.child, name="child"),
]
