"""The vertical plug-ins: what a hotel, a shop or a school adds to the common cabinet.

A vertical is a Django app under `cabinet/` whose `AppConfig` subclasses `CabinetVertical` and
declares, as data, what it adds: its links, pages, API routes, starter and demo content, content
editors, work-request types, notification events, custom-field targets and its functions for the
core's extension points (`cabinet.hooks`). The core finds the verticals among the installed apps
(`tenants.verticals`) and asks this module; it never names one. A vertical's pages answer only on
cabinets of its vertical (`vertical_required`), its links appear only there. The README's
"Adding a vertical" section is the recipe.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from tenants.verticals import VerticalConfig, vertical_configs

Label = str | Promise


@dataclass(frozen=True)
class WorkType:
    """A kind of work the vertical's actions open in the staff queue (cabinet.work.intake)."""

    name: Label
    sla_minutes: int
    checklist: Sequence[Label]


@dataclass(frozen=True)
class FieldTarget:
    """A record of the vertical that the owner may add custom fields to
    (cabinet.custom_fields.services): the model, the path from it to its client, and its
    back-office page (a URL name taking the record's pk), if it has one. `see_all` is the
    permission that shows staff every record; `shared` records belong to the business rather
    than to the client (kept on erasure)."""

    key: str
    label: Label  # the records' name in the owner's "added to" choice
    model_label: str
    client_path: str = "client"
    staff_url: str = ""
    see_all: str = ""
    shared: bool = False


@dataclass(frozen=True)
class StarterContent:
    """What a new cabinet of the vertical opens with (cabinet.content.starter): timeless content
    seeded into the vertical's template schema, and dated events created at provisioning."""

    pages: Sequence[tuple[str, str, str, str]] = ()  # slug, InfoPage kind, title, body
    catalog: Sequence[tuple[str, Sequence[tuple[str, str, str, str]]]] = ()
    request_types: Sequence[tuple[str, int, Sequence[str]]] = ()  # name, SLA, checklist
    welcome_offer: tuple[str, str] = ("", "")  # title, description
    events: Sequence[
        tuple
    ] = ()  # kind, title, description, where, day, hour, minutes, places, price
    seed: Callable[[], None] | None = None  # the vertical's own tables


class CabinetVertical(VerticalConfig):
    """A vertical's declaration. Attributes naming code are dotted paths, imported when used.
    A vertical's own subclass says `default = True` (this base is imported into its apps.py)."""

    default = False

    default_auto_field = "django.db.models.BigAutoField"
    icon = "inbox"  # its links' icon
    # Client links (label, URL name): the first is the second tab on phones.
    nav: Sequence[tuple[Label, str]] = ()
    staff_nav: Sequence[tuple[Label, str]] = ()
    urls = ""  # the module of its client pages (at the root)
    staff_urls = ""  # the module of its staff pages (under /staff/)
    # API routes, registered on the tenant's /api/v1/ router:
    # (prefix, viewset, basename) triples, or the dotted path of a module's ROUTES list
    api_routes: Sequence[tuple[str, Any, str]] | str = ()
    # Its API paths by who uses them, as regexes (the fuzz run's client and staff runs on its demo)
    api_paths: dict[str, str] = {}  # {"client": "^/api/v1/…/", "staff": "^/api/v1/staff/…/"}
    starter = ""  # dotted StarterContent
    demo = ""  # dotted DemoTenant: the demo cabinet `make run` seeds
    demo_seed = ""  # dotted function(guest=, owner=, password=): the demo's own content
    colours = ("#1f5f8b", "#e0a100")  # a new cabinet's starting palette (primary, accent)
    home: Sequence[str] = ()  # the client home's default blocks, in order (else the core's)
    home_lead: tuple[str, str] | None = None  # its own first home block: dotted provider, template
    map_url = ""  # URL name of its map, linked from the home's contacts
    wallet_label: Label = ""  # what the balance is called on the home, if not "balance"
    staff_home: tuple[str, str] | None = None  # next actions on the staff home: provider, template
    panels: dict[str, str] = {}  # a common page's place -> its template there
    content_editors = ""  # dotted function giving its cabinet.staff.content Resources
    work_types: dict[str, WorkType] = {}  # kind -> WorkType (adds or renames)
    notification_events: Sequence[tuple[str, Label]] = ()  # (event, label) its clients may mute
    field_targets: Sequence[FieldTarget] = ()
    front_desk_pages: Sequence[str] = ()  # info pages (slugs) printed on the front desk's slip
    # Extension points (cabinet.hooks): point name -> dotted function, called by the core.
    hooks: dict[str, str] = {}
    # Names of its models' choices in the OpenAPI schema (config/schema_names.py):
    # enum name -> dotted choices, e.g. {"StayStatusEnum": "cabinet.hotel.models.Stay.Status"}
    api_enum_names: dict[str, str] = {}


def verticals() -> list[CabinetVertical]:
    return [c for c in vertical_configs() if isinstance(c, CabinetVertical)]


def vertical_named(key: str) -> CabinetVertical | None:
    return next((v for v in verticals() if v.vertical_key == key), None)


def current_vertical() -> str:
    return getattr(connection.tenant, "vertical", "") or ""


def current() -> CabinetVertical | None:
    """The current cabinet's vertical, if it has one."""
    return vertical_named(current_vertical())


def loaded(dotted: str) -> Any:
    """The object a declaration names, or None when it names none."""
    return import_string(dotted) if dotted else None


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


def panel_for(place: str) -> str:
    """The template a vertical adds to a common page (`{% vertical_panel "order" %}`), or ""."""
    found = current()
    return found.panels.get(place, "") if found else ""


def urlpatterns() -> list:
    """Every vertical's client pages at the root and staff pages under /staff/."""
    patterns = []
    for vertical in verticals():
        if vertical.staff_urls:
            patterns.append(path("staff/", include(vertical.staff_urls)))
        if vertical.urls:
            patterns.append(path("", include(vertical.urls)))
    return patterns


def api_routes() -> list[tuple[str, Any, str]]:
    """Every vertical's API routes (prefix, viewset, basename), for the tenant's API router."""
    routes = []
    for vertical in verticals():
        declared = vertical.api_routes
        if isinstance(declared, str):  # a dotted path to the vertical's ROUTES list
            declared = import_string(declared)
        routes += [
            (prefix, import_string(viewset) if isinstance(viewset, str) else viewset, basename)
            for prefix, viewset, basename in declared
        ]
    return routes


def notification_events() -> dict[str, tuple[Label, str]]:
    """Every vertical's notification events: event -> (label, the vertical offering it)."""
    return {
        event: (label, vertical.vertical_key)
        for vertical in verticals()
        for event, label in vertical.notification_events
    }
