"""The core's extension points: named moments of a core action at which the cabinet's vertical
may add its own effect, called explicitly by the service that owns the action — no signals.

A vertical declares its functions in its `CabinetVertical.hooks` ({point name: dotted function});
the core calls `ExtensionPoint.run(...)` where the point's docstring says, and only the current
cabinet's vertical's function runs. Keep the points few and typed.
"""

from dataclasses import dataclass
from typing import Any

from cabinet.verticals import current, loaded


@dataclass(frozen=True)
class ExtensionPoint:
    name: str
    when: str  # where the core calls it, and in which transaction

    def run(self, **arguments: Any) -> Any:
        """Call the current vertical's function for this point, if it has one; its result."""
        vertical = current()
        function = loaded(vertical.hooks.get(self.name, "")) if vertical else None
        return function(**arguments) if function is not None else None


ORDER_PLACED = ExtensionPoint(
    "order_placed",
    "order=: a client's order has just been saved with its lines, inside the order's "
    "transaction (cabinet.orders.services.order_create_paid): an effect here commits or fails "
    "with it; an order the function accepts (status ACCEPTED: what it pays for is confirmed, "
    "a prepaid appointment) opens no 'Order to confirm' in the staff queue",
)

TRANSLATION_SOURCES = ExtensionPoint(
    "translation_sources",
    "user=: the missing-translations page (cabinet.staff.translations) asks for the vertical's "
    "translatable texts edited outside the content editors that this person may change; it "
    "returns a list of TranslationSource (title, objects, url_of: object -> its editor's URL)",
)

REMINDERS_DUE = ExtensionPoint(
    "reminders_due",
    "no arguments: the quarter-hourly reminders run (cabinet.tasks.send_reminders, in each "
    "serving cabinet) lets the vertical send its own reminders that are due, each once "
    "(notify()'s key); it returns how many it sent",
)

PAID_IN_ADVANCE = ExtensionPoint(
    "paid_in_advance",
    "checkout=: the checkout page asks, before it lists the ways to pay, whether what this open "
    "checkout pays for must be paid before it is confirmed (a prepaid appointment); True leaves "
    "payment on site out of the choices (cabinet.checkout.services.payment_choices)",
)

POINTS = {
    point.name: point
    for point in (ORDER_PLACED, TRANSLATION_SOURCES, REMINDERS_DUE, PAID_IN_ADVANCE)
}
