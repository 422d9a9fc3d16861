"""The vertical modules: what a hotel, a shop or a school adds to the common cabinet.

Each vertical module is a Django app under `cabinet/` (e.g. `cabinet.hotel`) with its own models,
pages and starter content. Its tables exist in every cabinet's schema; its pages answer only on
cabinets of its vertical (`vertical_required`), and its links appear only there (`nav_for`).
The README's "Adding a vertical" section is the recipe.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

# Per vertical: client and staff links (label, URL name), the URL modules, the starter content
# seeded into the vertical's template schema, the demo content `make run` adds, and its home page:
# the default blocks ("home"), its own first block ("home_lead": provider, template), a map, and
# the kinds of work its actions open in the staff queue ("work_types", read by cabinet.intake),
# and the next actions it adds to the staff home ("staff_home": provider, template).
VERTICALS: dict[str, dict[str, Any]] = {
    "hotel": {
        "nav": [(_("My stay"), "hotel:stay"), (_("Map"), "hotel:map")],
        "staff_nav": [(_("Stays"), "hotel-staff:stays")],
        "staff_home": ("cabinet.hotel.staff_home.next_actions", "hotel/_staff_home.html"),
        "content": [(_("Map of the resort"), "map-points"), (_("Rooms"), "rooms")],
        "urls": "cabinet.hotel.urls",
        "staff_urls": "cabinet.hotel.staff_urls",
        "seed": "cabinet.hotel.starter.seed",
        "demo": "cabinet.hotel.demo.seed_demo",
        # the guest's home leads with the stay; no "active orders" list: the stay page has them
        "home": [
            "lead",
            "wallet",
            "offers",
            "first_steps",
            "services",
            "events",
            "info",
            "contacts",
        ],
        "home_lead": ("cabinet.hotel.home.stay_lead", "hotel/_home_lead.html"),
        "map_url": "hotel:map",
        # the kinds of work the vertical's actions open (cabinet.intake): name, SLA, checklist
        "work_types": {
            "checkin": (
                _("Online check-in to review"),
                120,
                [_("Check the document"), _("Assign a room"), _("Confirm to the guest")],
            ),
        },
    },
    "shop": {
        "nav": [(_("Returns"), "shop:returns"), (_("Addresses"), "shop:addresses")],
        "staff_nav": [
            (_("Shipments"), "shop-staff:shipments"),
            (_("Returns"), "shop-staff:returns"),
        ],
        "staff_home": ("cabinet.shop.staff_home.next_actions", "shop/_staff_home.html"),
        "panels": {"order": "shop/_order_panel.html"},
        "urls": "cabinet.shop.urls",
        "staff_urls": "cabinet.shop.staff_urls",
        "demo": "cabinet.shop.demo.seed_demo",
        "work_types": {
            "return": (
                _("Return to decide"),
                480,
                [_("Check the order and the reason"), _("Approve or decline")],
            ),
        },
    },
    "school": {
        "nav": [(_("My children"), "school:children")],
        "staff_nav": [(_("Classes"), "school-staff:classes")],
        "staff_home": ("cabinet.school.staff_home.next_actions", "school/_staff_home.html"),
        "urls": "cabinet.school.urls",
        "staff_urls": "cabinet.school.staff_urls",
        "seed": "cabinet.school.starter.seed",
        "demo": "cabinet.school.demo.seed_demo",
        "work_types": {  # in a school, whoever writes in the chat is a parent
            "chat": (_("Parent's message"), 240, [_("Read the history"), _("Answer the parent")]),
        },
    },
}


def current_vertical() -> str:
    return getattr(connection.tenant, "vertical", "") or ""


def vertical_required(vertical: str) -> Callable:
    """A page of one vertical: a 404 on every other cabinet, as if it did not exist."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if current_vertical() != vertical:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def nav_for(kind: str = "nav") -> list[tuple[str, str]]:
    return VERTICALS.get(current_vertical(), {}).get(kind, [])


def panel_for(place: str) -> str:
    """The template a vertical adds to a common page (`{% vertical_panel "order" %}`), or ""."""
    return VERTICALS.get(current_vertical(), {}).get("panels", {}).get(place, "")


def vertical_hook(vertical: str, name: str) -> Callable | None:
    """The vertical's `seed` or `demo` function, if it has one."""
    dotted = VERTICALS.get(vertical, {}).get(name)
    return import_string(dotted) if dotted else None


def urlpatterns() -> list:
    """Every vertical's client pages at the root and staff pages under /staff/."""
    patterns = []
    for module in VERTICALS.values():
        patterns.append(path("staff/", include(module["staff_urls"])))
        patterns.append(path("", include(module["urls"])))
    return patterns
