from django.urls import path

from billing import control

app_name = "billing-control"

urlpatterns = [
    path("", control.plan_list, name="plans"),
    path("new/", control.plan_edit, name="plan-new"),
    path("<int:pk>/", control.plan_edit, name="plan-edit"),
    path("events/", control.stripe_events, name="events"),
    path("events/<int:pk>/apply/", control.stripe_event_retry, name="event-apply"),
]
