"""The clinic's content editor in the back office: its bookable services (a catalog item each,
for the name and price, with a duration and whether it is paid in advance)."""

from django.utils.translation import gettext_lazy

from cabinet.clinic.forms import ServiceForm
from cabinet.clinic.models import Service
from cabinet.staff.editors import Resource


def editors() -> list[Resource]:
    return [
        Resource(
            "appointment-services",
            Service,
            ServiceForm,
            gettext_lazy("Bookable services"),
            ("item", "minutes", "prepay"),
            icon="calendar-days",
        ),
    ]
