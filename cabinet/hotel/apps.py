from django.utils.translation import gettext_lazy as _

from cabinet.verticals import CabinetVertical, FieldTarget, WorkType


class HotelConfig(CabinetVertical):
    """The hotel vertical: stays, online check-in, the resort map. Its tables exist in every
    cabinet's schema; its pages answer only on hotels (cabinet.verticals)."""

    default = True
    name = "cabinet.hotel"
    label = "hotel"
    verbose_name = "Hotel"
    vertical_key = "hotel"
    vertical_label = _("Hotel")
    icon = "bed-double"
    nav = ((_("My stay"), "hotel:stay"), (_("Map"), "hotel:map"))
    staff_nav = ((_("Stays"), "hotel-staff:stays"),)
    urls = "cabinet.hotel.urls"
    api_routes = "cabinet.hotel.api.ROUTES"
    staff_urls = "cabinet.hotel.staff_urls"
    starter = "cabinet.hotel.starter.STARTER"
    demo = "cabinet.hotel.demo.DEMO"
    demo_seed = "cabinet.hotel.demo.seed_demo"
    colours = ("#0f6e6e", "#e8a33d")
    # the guest's home leads with the stay; no "active orders" list: the stay page has them
    home = ("lead", "wallet", "offers", "first_steps", "services", "events", "info", "contacts")
    home_lead = ("cabinet.hotel.home.stay_lead", "hotel/_home_lead.html")
    map_url = "hotel:map"
    staff_home = ("cabinet.hotel.staff_home.next_actions", "hotel/_staff_home.html")
    content_models = (("hotel", "mappoint"), ("hotel", "room"))
    content_editors = "cabinet.hotel.content.editors"
    work_types = {
        "checkin": WorkType(
            _("Online check-in to review"),
            120,
            (_("Check the document"), _("Assign a room"), _("Confirm to the guest")),
        ),
    }
    field_targets = (FieldTarget("stay", _("Stays"), "hotel.Stay", staff_url="hotel-staff:stay"),)
    front_desk_pages = ("wifi",)  # the slip a guest gets at the desk carries the Wi-Fi
    api_scopes = {
        "stays:read": _("Read the guests' stays"),
        "stays:write": _("Sync stays from a property-management system and move them along"),
    }
    api_enum_names = {"StayStatusEnum": "cabinet.hotel.models.Stay.Status"}

    def ready(self) -> None:
        from cabinet.hotel import receivers  # noqa: F401 — its answers to the personal-data signals
