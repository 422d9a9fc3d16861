from django.urls import path

from cabinet.staff import content, domains, team, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("handoff/", views.handoff, name="handoff"),
    path("content/<slug:kind>/", content.content_list, name="content"),
    path("content/<slug:kind>/new/", content.content_edit, name="content-new"),
    path("content/<slug:kind>/<int:pk>/", content.content_edit, name="content-edit"),
    path("content/<slug:kind>/<int:pk>/delete/", content.content_remove, name="content-delete"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="team-invite"),
    path("team/invitations/<int:pk>/revoke/", team.invitation_cancel, name="invitation-revoke"),
    path("security/", team.security, name="security"),
    path("join/<str:token>/", team.join, name="join"),
    path("domains/", domains.domain_list, name="domains"),
    path("domains/add/", domains.domain_create, name="domain-add"),
    path("domains/<int:pk>/verify/", domains.domain_check, name="domain-verify"),
    path("domains/<int:pk>/primary/", domains.domain_primary, name="domain-primary"),
    path("domains/<int:pk>/remove/", domains.domain_delete, name="domain-remove"),
]
