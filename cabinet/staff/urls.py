from django.urls import path

from cabinet import chat_views
from cabinet.staff import audit, billing, clients, content, domains, orders, queue, team, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("handoff/", views.handoff, name="handoff"),
    path("messages/", chat_views.staff_inbox, name="chats"),
    path("messages/<int:pk>/", chat_views.staff_thread, name="chat"),
    path("messages/<int:pk>/poll/", chat_views.staff_poll, name="chat-poll"),
    path("messages/<int:pk>/reply/", chat_views.staff_reply, name="chat-reply"),
    path("orders/", orders.order_queue, name="orders"),
    path("orders/<int:pk>/move/", orders.order_move, name="order-move"),
    path("queue/", queue.queue, name="queue"),
    path("queue/<int:pk>/", queue.work_detail, name="work"),
    path("queue/<int:pk>/<slug:action>/", queue.work_action, name="work-action"),
    path("kpi/", queue.kpi_dashboard, name="kpi"),
    path("clients/", clients.client_list, name="clients"),
    path("clients/export/", clients.client_export, name="clients-export"),
    path("clients/<int:pk>/", clients.client_card, name="client"),
    path("clients/<int:pk>/reveal/", clients.client_reveal_view, name="client-reveal"),
    path("clients/<int:pk>/assign/", clients.client_assign_view, name="client-assign"),
    path("content/<slug:kind>/", content.content_list, name="content"),
    path("content/<slug:kind>/new/", content.content_edit, name="content-new"),
    path("content/<slug:kind>/<int:pk>/", content.content_edit, name="content-edit"),
    path("content/<slug:kind>/<int:pk>/delete/", content.content_remove, name="content-delete"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="team-invite"),
    path("team/<int:pk>/role/", team.member_role, name="member-role"),
    path("roles/", team.roles, name="roles"),
    path("team/invitations/<int:pk>/revoke/", team.invitation_cancel, name="invitation-revoke"),
    path("security/", team.security, name="security"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export/", audit.audit_export, name="audit-export"),
    path("join/<str:token>/", team.join, name="join"),
    path("billing/", billing.billing_overview, name="billing"),
    path("billing/checkout/", billing.billing_checkout, name="billing-checkout"),
    path("billing/portal/", billing.billing_portal, name="billing-portal"),
    path("domains/", domains.domain_list, name="domains"),
    path("domains/add/", domains.domain_create, name="domain-add"),
    path("domains/<int:pk>/verify/", domains.domain_check, name="domain-verify"),
    path("domains/<int:pk>/primary/", domains.domain_primary, name="domain-primary"),
    path("domains/<int:pk>/remove/", domains.domain_delete, name="domain-remove"),
]
