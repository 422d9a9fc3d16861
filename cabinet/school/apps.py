from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cabinet.verticals import CabinetVertical, FieldTarget, WorkType

# The notification event of a parent's news: grades, homework and absences
# (cabinet.notifications.services).
SCHOOL_EVENT = "school"


class SchoolConfig(CabinetVertical):
    """The school vertical: classes and their timetable, enrolment, attendance, grades and
    homework; parents linked to their children by a pairing code; teachers see their classes."""

    default = True
    name = "cabinet.school"
    label = "school"
    verbose_name = "School"
    vertical_key = "school"
    vertical_label = _("School")
    icon = "graduation-cap"
    nav = ((_("My children"), "school:children"),)
    staff_nav = ((_("Classes"), "school-staff:classes"),)
    urls = "cabinet.school.urls"
    api_routes = "cabinet.school.api.ROUTES"
    api_paths = {"client": "^/api/v1/children/", "staff": "^/api/v1/staff/classes/"}
    staff_urls = "cabinet.school.staff_urls"
    starter = "cabinet.school.starter.STARTER"
    demo = "cabinet.school.demo.DEMO"
    demo_seed = "cabinet.school.demo.seed_demo"
    colours = ("#1d4fa3", "#e4572e")
    staff_home = ("cabinet.school.staff_home.next_actions", "school/_staff_home.html")
    api_enum_names = {"AttendanceStatusEnum": "cabinet.school.models.Attendance.Status"}
    hooks = {"translation_sources": "cabinet.school.selectors.translation_sources"}
    work_types = {  # in a school, whoever writes in the chat is a parent
        "chat": WorkType(
            _("Parent's message"), 240, (_("Read the history"), _("Answer the parent"))
        ),
    }
    notification_events = ((SCHOOL_EVENT, _("My children's grades, homework and absences")),)
    role_permissions = {
        "admin": ["school.view_all_classes", "school.manage_classes"],
        "manager": ["school.view_all_classes"],
    }
    permission_catalog = {
        gettext_noop("See every class (schools)"): ["school.view_all_classes"],
        gettext_noop("Create classes and students, enrol (schools)"): ["school.manage_classes"],
    }
    # a child's record is the school's: every class's students for those who see all classes
    field_targets = (
        FieldTarget(
            "student", _("Students"), "school.Student", client_path="parents",
            see_all="school.view_all_classes", shared=True,
        ),
    )  # fmt: skip
    api_scopes = {
        "school:read": _("Read classes, students, grades, attendance and homework"),
        "school:write": _("Give grades, take attendance, set homework, import from CSV"),
    }

    def ready(self) -> None:
        from cabinet.school import receivers  # noqa: F401 — its answers to the personal-data signals
