"""`make run`'s demo cabinets each offer a recurring plan of their kind (published to Stripe once
the owner connects it and a client subscribes): the one its vertical's demo declares (`plan`)."""

from cabinet.memberships.models import MembershipPlan
from cabinet.verticals import loaded, vertical_named


def seed_demo_plans(vertical: str) -> None:
    declared = vertical_named(vertical)
    plan = getattr(loaded(declared.demo) if declared else None, "plan", None)
    if plan is not None and not MembershipPlan.objects.exists():
        name, description, price, interval = plan
        MembershipPlan.objects.create(
            name=name, description=description, price=price, interval=interval
        )
