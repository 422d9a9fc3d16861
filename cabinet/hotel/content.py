"""The hotel's content editors in the back office: the resort map's points (with the plan to
click on) and the rooms."""

from django.utils.translation import gettext_lazy

from cabinet.hotel.forms import MapPointForm, RoomForm
from cabinet.hotel.models import MapPoint, Room
from cabinet.hotel.selectors import resort_map
from cabinet.staff.editors import Resource


def editors() -> list[Resource]:
    return [
        Resource(
            "map-points", MapPoint, MapPointForm, gettext_lazy("Map of the resort"),
            ("name", "kind", "x", "y"), icon="map", aside=("hotel/_plan_picker.html", resort_map),
            links=((gettext_lazy("Plan and pins"), "hotel-staff:map"),),
        ),
        Resource("rooms", Room, RoomForm, gettext_lazy("Rooms"), ("number", "kind")),
    ]  # fmt: skip
