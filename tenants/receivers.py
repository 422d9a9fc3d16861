"""Keep every process's host cache true when a Tenant or Domain changes."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants.models import Domain, Tenant
from tenants.routing import bump_routing_version, router


@receiver(post_save, sender=Tenant)
@receiver(post_delete, sender=Tenant)
@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def invalidate_routes(**kwargs: Any) -> None:
    # This process forgets at once; the others see the new version key once the change commits.
    router.forget()
    transaction.on_commit(bump_routing_version)
