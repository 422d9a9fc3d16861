from collections.abc import Callable
from typing import Any

from celery import shared_task

from cabinet.branding import services as branding_services


@shared_task(
    name="cabinet.branding_logo_normalize",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def branding_logo_normalize() -> bool:
    return branding_services.branding_logo_normalize()


@shared_task(name="cabinet.build_receipt", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5, acks_late=True)  # fmt: skip
def build_receipt(order_id: int) -> bool:
    """The order's receipt, or its invoice when it is to be paid on site."""
    from cabinet.documents.services import order_document_build

    return order_document_build(order_id=order_id) is not None


@shared_task(name="cabinet.build_voucher", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5, acks_late=True)  # fmt: skip
def build_voucher(booking_id: int) -> bool:
    from cabinet.documents.services import voucher_build

    return voucher_build(booking_id=booking_id) is not None


@shared_task(name="cabinet.earn_points", acks_late=True)
def earn_points(order_id: int) -> None:
    """Idempotent: an order earns its points once however often this runs."""
    from cabinet.orders.services import order_earn_points

    order_earn_points(order_id=order_id)


def _deliver_or_retry(task: Any, run: Callable[[], str], give_up: Callable[[], None]) -> str:
    """One attempt of a delivery or digest. While another attempt may still be sending it, the
    task comes back when that attempt's lease ends (not counted as a try); a channel's failure
    is retried with back-off (30 s, 60 s, 120 s …) and given up after the delivery's last try."""
    from cabinet.notifications.services import MAX_ATTEMPTS, DeliveryFailed, LeaseHeld

    try:
        return run()
    except LeaseHeld as exc:
        raise task.retry(countdown=exc.seconds) from exc
    except DeliveryFailed as exc:
        if exc.attempts >= MAX_ATTEMPTS:
            give_up()
            return "failed"
        countdown = 30 * 2 ** max(exc.attempts - 1, 0)
        raise task.retry(exc=exc, countdown=countdown) from exc


# acks_late: a worker killed holding it hands it to another; the time limit is below the
# sending lease (cabinet/notifications/services.py), so a live attempt is never taken for a dead
# one.
_DELIVERY_LIMITS = {"acks_late": True, "time_limit": 25, "soft_time_limit": 20,
                    "max_retries": None}  # fmt: skip


@shared_task(bind=True, name="cabinet.deliver_notification", **_DELIVERY_LIMITS)
def deliver_notification(self: Any, delivery_id: int) -> str:
    from cabinet.notifications.services import delivery_give_up, delivery_run

    return _deliver_or_retry(self, lambda: delivery_run(delivery_id=delivery_id),
                             lambda: delivery_give_up(delivery_id=delivery_id))  # fmt: skip


@shared_task(bind=True, name="cabinet.deliver_digest", **_DELIVERY_LIMITS)
def deliver_digest(self: Any, user_id: int, channel: str) -> str:
    """A burst's held notifications as one message; retried like a single delivery."""
    from cabinet.notifications.services import digest_give_up, digest_run

    return _deliver_or_retry(self, lambda: digest_run(user_id=user_id, channel=channel),
                             lambda: digest_give_up(user_id=user_id, channel=channel))  # fmt: skip


@shared_task(name="cabinet.send_reminders")
def send_reminders() -> int:
    """Clients of their coming bookings (and, once, of the events they attended: a review),
    staff of requests near their SLA deadline; and the vertical's own reminders, if it has
    any (cabinet.hooks.REMINDERS_DUE)."""
    from cabinet.bookings.services import booking_reminders_send
    from cabinet.feedback.services import reviews_ask_after_events
    from cabinet.hooks import REMINDERS_DUE
    from cabinet.staff.work import requests_sla_warn

    sent = booking_reminders_send() + requests_sla_warn() + reviews_ask_after_events()
    return sent + (REMINDERS_DUE.run() or 0)


@shared_task(name="cabinet.announce_survey", acks_late=True)
def announce_survey(survey_id: int) -> int:
    """Idempotent: each client hears of a survey once however often this runs."""
    from cabinet.feedback.services import survey_announce

    return survey_announce(survey_id=survey_id)


@shared_task(name="cabinet.send_reminders_everywhere", platform_level=True)
def send_reminders_everywhere() -> int:
    """Every quarter hour: each serving tenant sends its own reminders."""
    from tenants.tasks_base import send_to_each_tenant

    return send_to_each_tenant(send_reminders)


@shared_task(name="cabinet.expire_points", acks_late=True)
def expire_points() -> int:
    from cabinet.wallet.services import points_expire

    return points_expire()


@shared_task(name="cabinet.expire_points_everywhere", platform_level=True)
def expire_points_everywhere() -> int:
    """Hourly: each serving tenant whose night it is takes back its clients' expired points."""
    from tenants.tasks_base import NIGHT_HOUR, send_to_each_tenant

    return send_to_each_tenant(expire_points, at_local_hour=NIGHT_HOUR)


@shared_task(name="cabinet.report_gauges", acks_late=True)
def report_gauges() -> dict[str, bool]:
    from cabinet.common.gauges import gauges_report

    return gauges_report()


@shared_task(name="cabinet.report_gauges_everywhere", platform_level=True)
def report_gauges_everywhere() -> int:
    """Hourly: each serving tenant whose night it is reads its gauges (clients, staff seats,
    storage) for billing."""
    from tenants.tasks_base import NIGHT_HOUR, send_to_each_tenant

    return send_to_each_tenant(report_gauges, at_local_hour=NIGHT_HOUR)


# The time limit is below the sending lease (cabinet/notifications/outgoing.py); tries are
# counted on the delivery (MAX_ATTEMPTS), not by Celery, since waiting out a lease is not a try.
@shared_task(name="cabinet.deliver_webhook", bind=True, **_DELIVERY_LIMITS)
def deliver_webhook(self, delivery_id: int) -> str:
    """One delivery attempt; a pending one is retried later with back-off; one another attempt
    is sending comes back when that attempt's lease ends."""
    from cabinet.notifications.models import WebhookDelivery
    from cabinet.notifications.outgoing import LeaseHeld, deliver, retry_delay

    try:
        status = deliver(delivery_id)
    except LeaseHeld as exc:
        raise self.retry(countdown=exc.seconds) from exc
    if status == WebhookDelivery.Status.PENDING:
        attempts = WebhookDelivery.objects.get(pk=delivery_id).attempts
        raise self.retry(countdown=retry_delay(attempts))
    return status


@shared_task(bind=True, name="cabinet.send_telegram_link_code", max_retries=3, acks_late=False,
             reject_on_worker_lost=False)  # fmt: skip
def send_telegram_link_code(self: Any, user_id: int, chat_id: str, code: str) -> None:
    """The code that links a Telegram chat, to that chat (retried a few times, then dropped:
    the person asks for a new one). Not idempotent: acknowledged on receipt, never redelivered
    by a killed worker."""
    from cabinet.notifications.services import DeliveryFailed, telegram_link_code_send

    try:
        telegram_link_code_send(user_id=user_id, chat_id=chat_id, code=code)
    except DeliveryFailed as exc:
        raise self.retry(countdown=10 * (self.request.retries + 1), exc=exc) from exc


@shared_task(name="cabinet.memberships_end_for_erased", autoretry_for=(OSError, RuntimeError),
             retry_backoff=True, max_retries=8)  # fmt: skip
def memberships_end_for_erased(client_id: int, card_customer: str = "") -> int:
    """A deleted client's memberships end at the end of their paid period, and their saved cards
    and Stripe customers on the business's account are forgotten (Stripe is told)."""
    from cabinet.memberships.services import memberships_end_for

    return memberships_end_for(client_id=client_id, card_customer=card_customer)


@shared_task(bind=True, name="cabinet.card_refund_send", max_retries=8, acks_late=True)
def card_refund_send(self: Any, payment_intent: str, amount: str, key: str) -> str:
    """A refund to the card, recorded in the ledger under `key`, sent to Stripe on the business's
    account; `key` makes it once however often this runs. Retried with back-off; a refund that
    still fails is reported (Sentry) for staff to make in Stripe's dashboard."""
    from decimal import Decimal

    from django.db import connection

    from billing import payments

    try:
        return payments.card_refund(tenant=connection.tenant, payment_intent=payment_intent,
                                    amount=Decimal(amount), key=key)  # fmt: skip
    except payments.PaymentFailed as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
