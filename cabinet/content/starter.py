"""Starter content a new cabinet opens with, per vertical, for the owner to edit or delete.

Timeless content (pages, catalog) is seeded into each vertical's template schema once, so signup
pays nothing for it; dated content (events) is created at provisioning, relative to that day.
Bump STARTER_CONTENT_VERSION whenever `seed_vertical` changes: templates and spare schemas built
from the old content are then rebuilt and discarded.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.content.models import InfoPage
from cabinet.verticals import StarterContent, loaded, vertical_named
from cabinet.wallet.models import Offer, Tier
from cabinet.work.models import RequestType
from rbac.roles import roles_ensure

STARTER_CONTENT_VERSION = "5"

# A cabinet with no vertical, or a vertical without a welcome offer of its own, opens with this.
DEFAULT_WELCOME_OFFER = ("Welcome drink on us",
                         "Show this offer at the desk or the bar, once, this month.")  # fmt: skip


def starter_of(vertical: str) -> StarterContent:
    """The vertical's starter content (cabinet.verticals), or none."""
    found = vertical_named(vertical)
    return (loaded(found.starter) if found else None) or StarterContent()


def seed_vertical(vertical: str) -> None:
    """Timeless starter content; runs inside a vertical's template schema."""
    for name, threshold, discount in (
        ("Silver", "0", 0),
        ("Gold", "500", 5),
        ("Platinum", "2000", 10),
    ):
        Tier.objects.create(name=name, min_spent=Decimal(threshold), discount_percent=discount)
    starter = starter_of(vertical)
    for name, sla, steps in starter.request_types:
        RequestType.objects.create(name=name, sla_minutes=sla, checklist=steps)
    for position, (slug, kind, title, body) in enumerate(starter.pages):
        InfoPage.objects.create(slug=slug, kind=kind, title=title, body=body, position=position)
    for cat_position, (category_name, items) in enumerate(starter.catalog):
        category = CatalogCategory.objects.create(name=category_name, position=cat_position)
        for position, (name, description, price, unit) in enumerate(items):
            CatalogItem.objects.create(
                category=category,
                name=name,
                description=description,
                price=Decimal(price),
                unit=unit,
                position=position,
            )
    if starter.seed is not None:
        starter.seed()
    # The role groups, complete: cabinet's post_migrate made them before the verticals' own
    # post_migrate created their content permissions, and a template without those made every
    # signup rewrite two groups.
    roles_ensure()


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


def seed_upcoming_events(vertical: str) -> None:
    """Dated starter content, relative to today; runs at provisioning in the new schema."""
    today = timezone.localtime()
    starter = starter_of(vertical)
    title, description = (
        starter.welcome_offer if starter.welcome_offer[0] else DEFAULT_WELCOME_OFFER
    )
    Offer.objects.create(
        title=title, description=description, valid_until=today + timedelta(days=30)
    )
    events = []
    for kind, title, description, location, day, hour, minutes, capacity, price in starter.events:
        start = _at(today + timedelta(days=day), hour)
        events.append(Event(
            kind=kind, title=title, description=description, location=location,
            starts_at=start, ends_at=start + timedelta(minutes=minutes), capacity=capacity,
            price=Decimal(price),
        ))  # fmt: skip
    Event.objects.bulk_create(events)  # one round trip in every signup, not one per event
