"""The app shells' navigation, built once per page from what the person may open.

Clients: a bottom tab bar on phones (four tabs and More) and a top bar on desktop. Staff: a
sidebar on desktop, a bottom bar and a More sheet on phones, in four groups (Work, Clients,
Content, Settings). An item shows only when its page would open for that person, so nobody is
offered a link that answers 403; the pages still check for themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cabinet.memberships.services import memberships_offered
from cabinet.verticals import current
from rbac.models import User
from rbac.policy import policy_get

Visible = Callable[[User], bool]


def _anyone(user: User) -> bool:
    return True


def _owner(user: User) -> bool:
    return user.is_superuser


@dataclass
class Item:
    label: object
    url: str
    icon: str
    current: bool = False
    badge_key: str = ""  # the live count shown on it (staff_badge_counts), polled by HTMX


@dataclass
class Group:
    label: object
    items: list[Item] = field(default_factory=list)


CONTENT_ICONS = {"catalog": "sparkles", "events": "calendar-days", "offers": "receipt",
                 "clubs": "users-round", "request-types": "list-checks",
                 "canned-answers": "message-circle", "fields": "list-checks",
                 "categories": "package", "tiers": "star"}  # fmt: skip


def _mark_current(items: list[Item], path: str) -> None:
    """The item whose address is the longest prefix of this page's is the current one."""
    best = max((item for item in items if path.startswith(item.url)), key=lambda i: len(i.url),
               default=None)  # fmt: skip
    if best is not None:
        best.current = True


# --- Staff -------------------------------------------------------------------------------------


def _content_items(user: User) -> list[Item]:
    from cabinet.staff.editors import resources  # the content editors say what they edit

    items = []
    for resource in resources().values():
        opts = resource.model._meta
        if user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            icon = CONTENT_ICONS.get(resource.key, resource.icon)
            items.append(Item(resource.title, reverse("staff:content", args=[resource.key]), icon))
    if items:  # what is still to translate, in what they edit
        items.append(Item(_("Missing translations"), reverse("staff:translations-missing"),
                          "globe"))  # fmt: skip
    return items


def staff_navigation(request: HttpRequest) -> dict[str, object]:
    from cabinet.staff.front_desk import can_front_desk
    from cabinet.staff.selectors import staff_role

    user = request.user
    vertical = current()
    work: list[tuple[object, str, str, Visible]] = [
        (_("Home"), reverse("staff:home"), "house", _anyone),
        (_("Queue"), reverse("staff:queue"), "list-checks", _anyone),
        (_("Messages"), reverse("staff:chats"), "message-circle", _anyone),
        (_("Orders"), reverse("staff:orders"), "shopping-bag", _anyone),
    ]
    for label, name in vertical.staff_nav if vertical else ():
        work.append((label, reverse(name), vertical.icon, _anyone))
    if policy_get().community_enabled:
        work.append((_("Community"), reverse("staff:community"), "megaphone", _anyone))
    work += [
        (_("Door check"), reverse("staff:voucher-check"), "ticket", _anyone),
        (_("KPIs"), reverse("staff:kpi"), "chart-column", _anyone),
        (_("Reviews"), reverse("staff:reviews"), "star",
         lambda user: user.has_perm("cabinet.answer_reviews")),
        (_("Surveys"), reverse("staff:surveys"), "megaphone",
         lambda user: user.has_perm("cabinet.manage_surveys")),
        (_("Payments"), reverse("staff:payments"), "credit-card",
         lambda user: user.has_perm("cabinet.adjust_wallet")),
        (_("Memberships"), reverse("staff:memberships"), "receipt",
         lambda user: user.has_perm("cabinet.view_membershipplan")),
    ]  # fmt: skip
    settings_items: list[tuple[object, str, str, Visible]] = [
        (_("Branding"), reverse("staff:branding"), "palette", _owner),
        (_("Home page"), reverse("staff:home-page"), "layout-dashboard", _owner),
        (_("Design system"), reverse("staff:design"), "sparkles", _owner),
        (_("Paying and points"), reverse("staff:loyalty"), "wallet", _owner),
        (_("Message templates"), reverse("staff:message-templates"), "file-text", _owner),
        (_("Team"), reverse("staff:team"), "users-round", _owner),
        (_("Security"), reverse("staff:security"), "shield", _owner),
        (_("Sign-in providers"), reverse("staff:providers"), "key-round", _owner),
        (_("Domains"), reverse("staff:domains"), "globe", _owner),
        (_("API keys"), reverse("staff:api-keys"), "key-round", _owner),
        (_("Webhooks"), reverse("staff:webhooks"), "webhook", _owner),
        (_("Billing"), reverse("staff:billing"), "credit-card", _owner),
        (_("Audit log"), reverse("staff:audit"), "scroll-text", _owner),
    ]
    clients = [Item(_("Clients"), reverse("staff:clients"), "users")]
    if can_front_desk(user):
        clients.append(Item(_("Front desk"), reverse("staff:front-desk"), "user"))
    if user.is_superuser or (staff_role(user) == "manager" and bool(user.staff_profile.team_id)):
        clients.append(Item(_("Teams"), reverse("staff:teams"), "users-round"))
    groups = [
        Group(_("Work"), [Item(*row[:3]) for row in work if row[3](user)]),
        Group(_("Clients"), clients),
        Group(_("Content"), _content_items(user)),
        Group(_("Settings"), [Item(*row[:3]) for row in settings_items if row[3](user)]),
    ]
    groups = [group for group in groups if group.items]
    everything = [item for group in groups for item in group.items]
    _mark_current(everything, request.path)
    by_url = {item.url: item for item in everything}
    by_url[reverse("staff:queue")].badge_key = "queue"
    by_url[reverse("staff:chats")].badge_key = "messages"
    by_url[reverse("staff:home")].current = request.path == reverse("staff:home")
    tabs = [by_url[url] for url in (reverse("staff:home"), reverse("staff:queue"),
                                    reverse("staff:chats"), reverse("staff:clients"))]  # fmt: skip
    return {"groups": groups, "tabs": tabs, "more_current": not any(tab.current for tab in tabs)}


def staff_badge_counts(user: User) -> dict[str, int]:
    """The navigation's unread badges: new work this person may take (theirs, or unassigned
    work of the clients they see) and conversations with unread client messages. Two counts,
    asked by the badge endpoint rather than by every page."""
    from cabinet.access import clients_for
    from cabinet.messaging.models import Thread
    from cabinet.staff.work import requests_for
    from cabinet.work.models import WorkRequest

    queue = requests_for(user).filter(status=WorkRequest.Status.NEW).count()
    messages = Thread.objects.filter(
        client__in=clients_for(user).values("pk"), staff_unread__gt=0
    ).count()
    return {"queue": queue, "messages": messages}


# --- Clients -----------------------------------------------------------------------------------


def client_navigation(request: HttpRequest) -> dict[str, object]:
    vertical = current()
    lead = list(vertical.nav) if vertical else []
    tabs = [Item(_("Home"), reverse("cabinet:home"), "house")]
    if lead:
        label, name = lead[0]
        tabs.append(Item(label, reverse(name), vertical.icon))
    else:
        tabs.append(Item(_("Bookings"), reverse("cabinet:bookings"), "calendar-days"))
    tabs += [
        Item(_("Services"), reverse("cabinet:services"), "sparkles"),
        Item(_("Messages"), reverse("cabinet:chat"), "message-circle"),
    ]
    more = [Item(label, reverse(name), "chevron-right") for label, name in lead[1:]]
    more += [
        Item(_("Events"), reverse("cabinet:events"), "calendar-days"),
        Item(_("My bookings"), reverse("cabinet:bookings"), "ticket"),
        Item(_("Orders"), reverse("cabinet:orders"), "shopping-bag"),
        Item(_("My requests"), reverse("cabinet:requests"), "list-checks"),
        Item(_("Reviews and surveys"), reverse("cabinet:feedback"), "star"),
        Item(_("Balance"), reverse("cabinet:wallet"), "wallet"),
        Item(_("Loyalty"), reverse("cabinet:loyalty"), "sparkles"),
    ]
    if memberships_offered():
        more.append(Item(_("Memberships"), reverse("cabinet:memberships"), "receipt"))
    more += [
        Item(_("Good to know"), reverse("cabinet:info"), "info"),
    ]
    if policy_get().community_enabled:
        more.append(Item(_("Community"), reverse("cabinet:community"), "megaphone"))
    more.append(Item(_("Account"), reverse("account"), "user"))
    more = [item for item in more if item.url not in {tab.url for tab in tabs}]
    _mark_current(tabs + more, request.path)
    home = tabs[0]
    home.current = request.path == home.url  # "/" is everyone's prefix
    return {
        "tabs": tabs,
        "more": more,
        "more_current": any(item.current for item in more),
        # The wide top bar shows the first three of "more" and folds the rest under its own More.
        "folded_current": any(item.current for item in more[3:]),
    }
