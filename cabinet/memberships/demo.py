"""`make run`'s demo cabinets each offer a recurring plan of their kind (published to Stripe once
the owner connects it and a client subscribes)."""

from decimal import Decimal

from cabinet.memberships.models import MembershipPlan

DEMO_PLANS = {
    "hotel": ("Garage parking, monthly", "Your own place in the underground garage, any time.",
              Decimal("60.00"), MembershipPlan.Interval.MONTH),
    "shop": ("Readers' club", "A new book picked for you every month, and 10 % off in store.",
             Decimal("9.00"), MembershipPlan.Interval.MONTH),
    "school": ("Term fee", "Lessons, materials and the end-of-term concert.",
               Decimal("450.00"), MembershipPlan.Interval.TERM),
}  # fmt: skip


def seed_demo_plans(vertical: str) -> None:
    if vertical in DEMO_PLANS and not MembershipPlan.objects.exists():
        name, description, price, interval = DEMO_PLANS[vertical]
        MembershipPlan.objects.create(
            name=name, description=description, price=price, interval=interval
        )
