"""The clients' home page, composed of blocks the owner turns on and off and orders
(/staff/home-page/). Each block is a function that reads what it shows for one client (or for a
visitor) and the template that draws it; a vertical adds its own leading block ("your stay")
and its defaults through its declaration (cabinet.verticals: `home`, `home_lead`)."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.bookings import selectors as bookings_selectors
from cabinet.content import selectors
from cabinet.verticals import current


class HomeContext:
    """What the blocks share, read once: the client (None for a visitor) and their dashboard."""

    def __init__(self, client: ClientProfile | None) -> None:
        self.client = client

    @cached_property
    def dashboard(self) -> dict[str, Any]:
        return selectors.client_dashboard(self.client)


@dataclass(frozen=True)
class Block:
    key: str
    label: Any  # a lazy translation
    template: str
    provider: str  # dotted path: (HomeContext) -> the block's context, or None to leave it out
    personal: bool = False  # shown to signed-in clients only


BLOCKS: dict[str, Block] = {
    block.key: block
    for block in (
        Block("lead", _("Your stay, booking or order: what is next for the client"),
              "cabinet/home/_lead.html", "cabinet.content.home.lead", personal=True),
        Block("wallet", _("Balance, points and loyalty level"), "cabinet/home/_wallet.html",
              "cabinet.content.home.wallet", personal=True),
        Block("offers", _("Offers"), "cabinet/home/_offers.html", "cabinet.content.home.offers",
              personal=True),
        Block("first_steps", _("First steps for a new client"), "cabinet/home/_first_steps.html",
              "cabinet.content.home.first_steps", personal=True),
        Block("activity", _("Active orders and upcoming bookings"),
              "cabinet/home/_activity.html", "cabinet.content.home.activity", personal=True),
        Block("services", _("Services, with pictures"), "cabinet/home/_services.html",
              "cabinet.content.home.services"),
        Block("events", _("Events coming up"), "cabinet/home/_events.html",
              "cabinet.content.home.events"),
        Block("info", _("Information pages"), "cabinet/home/_info.html",
              "cabinet.content.home.info"),
        Block("contacts", _("Contacts and how to find you"), "cabinet/home/_contacts.html",
              "cabinet.content.home.contacts"),
    )
}  # fmt: skip
DEFAULT_ORDER = ["lead", "wallet", "offers", "first_steps", "activity", "services", "events",
                 "info", "contacts"]  # fmt: skip


def home_layout(saved: list[str] | None = None) -> list[tuple[Block, bool]]:
    """Every block in the owner's order, each with whether it is on: the saved choice, else the
    vertical's defaults; blocks added since the choice was saved come last, switched off."""
    chosen = [key for key in (saved or _vertical_defaults()) if key in BLOCKS]
    rest = [key for key in DEFAULT_ORDER if key not in chosen]
    return [(BLOCKS[key], True) for key in chosen] + [(BLOCKS[key], False) for key in rest]


def _vertical_defaults() -> list[str]:
    vertical = current()
    return list(vertical.home) if vertical and vertical.home else DEFAULT_ORDER


def home_blocks(*, client: ClientProfile | None, saved: list[str]) -> list[tuple[str, dict]]:
    """(template, context) for each block that is on and has something to show."""
    shown, home = [], HomeContext(client)
    for block, on in home_layout(saved):
        if not on or (block.personal and client is None):
            continue
        context = import_string(block.provider)(home)
        if context is not None:
            shown.append((block.template, context))
    return shown


# --- The blocks ------------------------------------------------------------------------------


def lead(home: HomeContext) -> dict[str, Any] | None:
    """The vertical's own first block (a hotel guest's stay), else the client's next booking."""
    vertical = current()
    hook = vertical.home_lead if vertical else None
    if hook:
        provider, template = hook
        context = import_string(provider)(home.client)
        return {"lead_template": template, **context} if context is not None else None
    upcoming = home.dashboard["upcoming_bookings"]
    if not upcoming:
        return None
    return {"lead_template": "cabinet/home/_next_booking.html", "booking": upcoming[0]}


def wallet(home: HomeContext) -> dict[str, Any]:
    dashboard = home.dashboard
    vertical = current()
    return {
        **{key: dashboard[key] for key in ("wallet", "tier", "next_tier", "spent")},
        "wallet_label": vertical.wallet_label if vertical else "",  # e.g. a shop's "store credit"
    }


def offers(home: HomeContext) -> dict[str, Any] | None:
    found = home.dashboard["offers"]
    return {"offers": found} if found else None


def first_steps(home: HomeContext) -> dict[str, Any] | None:
    return {"welcome": home.dashboard["welcome"]} if home.dashboard["is_new"] else None


def activity(home: HomeContext) -> dict[str, Any]:
    return {key: home.dashboard[key] for key in ("active_orders", "upcoming_bookings")}


def services(home: HomeContext) -> dict[str, Any] | None:
    items = selectors.home_showcase()["services"]
    return {"items": items} if items else None


def events(home: HomeContext) -> dict[str, Any] | None:
    coming = list(bookings_selectors.upcoming_events()[:3])
    return {"events": coming} if coming else None


def info(home: HomeContext) -> dict[str, Any] | None:
    pages = selectors.home_showcase()["info"]
    return {"pages": pages} if pages else None


def contacts(home: HomeContext) -> dict[str, Any] | None:
    found = selectors.home_showcase()["details"]
    details = found[0] if found else None
    if details is None or not (details.address or details.legal_name):
        return None
    vertical = current()
    return {"details": details, "map_url": vertical.map_url if vertical else ""}
