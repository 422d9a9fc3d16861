from django.apps import AppConfig


class SchoolConfig(AppConfig):
    """The school vertical: classes and their timetable, enrolment, attendance, grades and
    homework; parents linked to their children by a pairing code; teachers see their classes."""

    name = "cabinet.school"
    label = "school"
    verbose_name = "School"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cabinet.school import receivers  # noqa: F401 — its answers to the personal-data signals
