from django.utils.translation import gettext_lazy as _

from cabinet.verticals import CabinetVertical, WorkType


class ShopConfig(CabinetVertical):
    """The shop vertical: delivery and tracking, self-service returns, the address book."""

    default = True
    name = "cabinet.shop"
    label = "shop"
    verbose_name = "Shop"
    vertical_key = "shop"
    vertical_label = _("Shop")
    icon = "package"
    nav = ((_("Returns"), "shop:returns"), (_("Addresses"), "shop:addresses"))
    staff_nav = ((_("Shipments"), "shop-staff:shipments"), (_("Returns"), "shop-staff:returns"))
    urls = "cabinet.shop.urls"
    api_routes = "cabinet.shop.api.ROUTES"
    api_paths = {
        "client": "^/api/v1/(shipments|returns)/",
        "staff": "^/api/v1/staff/(shipments|returns)/",
    }
    staff_urls = "cabinet.shop.staff_urls"
    starter = "cabinet.shop.starter.STARTER"
    demo = "cabinet.shop.demo.DEMO"
    demo_seed = "cabinet.shop.demo.seed_demo"
    colours = ("#7a2e8f", "#f2b705")
    wallet_label = _("store credit")
    staff_home = ("cabinet.shop.staff_home.next_actions", "shop/_staff_home.html")
    panels = {"order": "shop/_order_panel.html"}
    work_types = {
        "return": WorkType(
            _("Return to decide"),
            480,
            (_("Check the order and the reason"), _("Approve or decline")),
        ),
    }
    # every order travels: its shipment opens in the order's transaction
    hooks = {"order_placed": "cabinet.shop.services.shipment_open"}
    api_scopes = {
        "shipments:read": _("Read the parcels to send and track"),
        "shipments:write": _("Move parcels along, with the carrier and tracking number"),
        "returns:read": _("Read the customers' returns"),
        "returns:write": _("Approve, decline and refund returns"),
    }
    api_enum_names = {
        "ShipmentStatusEnum": "cabinet.shop.models.Shipment.Status",
        "ReturnStatusEnum": "cabinet.shop.models.ReturnRequest.Status",
    }

    def ready(self) -> None:
        from cabinet.shop import receivers  # noqa: F401 — its answers to the personal-data signals
