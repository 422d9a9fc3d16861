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
