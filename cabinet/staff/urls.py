from django.urls import path

from cabinet.staff import domains, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("handoff/", views.handoff, name="handoff"),
    path("domains/", domains.domain_list, name="domains"),
    path("domains/add/", domains.domain_create, name="domain-add"),
    path("domains/<int:pk>/verify/", domains.domain_check, name="domain-verify"),
    path("domains/<int:pk>/primary/", domains.domain_primary, name="domain-primary"),
    path("domains/<int:pk>/remove/", domains.domain_delete, name="domain-remove"),
]
