from celery import shared_task

from cabinet import services


@shared_task(
    name="cabinet.branding_logo_normalize",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def branding_logo_normalize() -> bool:
    return services.branding_logo_normalize()


@shared_task(name="cabinet.build_receipt", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5, acks_late=True)  # fmt: skip
def build_receipt(order_id: int) -> bool:
    from cabinet.documents import receipt_build

    return receipt_build(order_id=order_id) is not None


@shared_task(name="cabinet.earn_points", acks_late=True)
def earn_points(order_id: int) -> None:
    """Idempotent: an order earns its points once however often this runs."""
    from cabinet.orders import order_earn_points

    order_earn_points(order_id=order_id)
