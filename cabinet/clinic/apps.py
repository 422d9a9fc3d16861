from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cabinet.verticals import CabinetVertical, FieldTarget, WorkType

# The notification event of a client's appointments: confirmations and reminders.
CLINIC_EVENT = "appointments"


class ClinicConfig(CabinetVertical):
    """Appointments, for a clinic, a salon or a tutor: specialists with weekly hours, breaks and
    days off; services with a duration and a price (a catalog item, paid in advance through the
    checkout where the service says so); free slots that never double-book a specialist; windows
    for booking, rescheduling and cancelling; reminders; a visit history with private documents.
    A specialist sees only their own schedule and clients."""

    default = True
    name = "cabinet.clinic"
    label = "clinic"
    verbose_name = "Appointments"
    vertical_key = "clinic"
    vertical_label = _("Appointments")
    icon = "calendar-days"
    nav = ((_("Visits"), "clinic:appointments"),)
    staff_nav = (
        (_("Schedule"), "clinic-staff:schedule"),
        (_("Specialists"), "clinic-staff:specialists"),
        # every member of staff reads the rules (what to tell a client); editing needs
        # clinic.change_bookingrules, so the link never leads anyone to a 403
        (_("Booking rules"), "clinic-staff:booking-rules"),
    )
    urls = "cabinet.clinic.urls"
    staff_urls = "cabinet.clinic.staff_urls"
    api_routes = "cabinet.clinic.api.ROUTES"
    api_paths = {
        "client": "^/api/v1/appointment",
        "staff": "^/api/v1/staff/appointments/",
    }
    starter = "cabinet.clinic.starter.STARTER"
    demo = "cabinet.clinic.demo.DEMO"
    demo_seed = "cabinet.clinic.demo.seed_demo"
    colours = ("#0f766e", "#f59e0b")
    content_editors = "cabinet.clinic.content.editors"
    content_models = (("clinic", "service"),)
    panels = {"order": "clinic/_order_panel.html"}
    staff_home = ("cabinet.clinic.staff_home.next_actions", "clinic/_staff_home.html")
    hooks = {
        "order_placed": "cabinet.clinic.services.appointment_paid",
        "reminders_due": "cabinet.clinic.notices.reminders_send",
        "paid_in_advance": "cabinet.clinic.selectors.paid_in_advance",
    }
    work_types = {
        "chat": WorkType(_("Patient's message"), 120, (_("Read the history"), _("Answer"))),
    }
    notification_events = ((CLINIC_EVENT, _("My appointments: confirmations and reminders")),)
    role_permissions = {
        "admin": [
            "clinic.view_all_appointments",
            "clinic.manage_schedule",
            "clinic.view_visit_documents",
            "clinic.change_bookingrules",
        ],
        "manager": [
            "clinic.view_all_appointments",
            "clinic.manage_schedule",
            "clinic.change_bookingrules",
        ],
        # a specialist: their own clients' documents only (scoped in the selectors)
        "operator": ["clinic.view_visit_documents"],
    }
    permission_catalog = {
        gettext_noop("See every specialist's appointments (appointments)"): [
            "clinic.view_all_appointments"
        ],
        gettext_noop("Edit specialists' hours (appointments)"): ["clinic.manage_schedule"],
        gettext_noop("Open clients' visit documents (appointments)"): [
            "clinic.view_visit_documents"
        ],
        gettext_noop(
            "Change the booking rules: how far ahead, cancelling, reminders (appointments)"
        ): ["clinic.change_bookingrules"],
    }
    field_targets = (
        FieldTarget(
            "visit",
            _("Appointments"),
            "clinic.Appointment",
            see_all="clinic.view_all_appointments",
        ),
    )

    def ready(self) -> None:
        from cabinet.clinic import receivers  # noqa: F401 — its answers to the personal-data signals
