"""The cabinet's security policy, read on every signed-in request: cached per tenant."""

from django.core.cache import cache

from rbac.models import SecurityPolicy

CACHE_KEY = "rbac:security-policy"
CACHE_SECONDS = 60


def policy_get() -> SecurityPolicy:
    """This tenant's policy (the default one, unsaved, until the owner changes anything)."""
    policy = cache.get(CACHE_KEY)
    if policy is None:
        policy = SecurityPolicy.objects.first() or SecurityPolicy()
        cache.set(CACHE_KEY, policy, CACHE_SECONDS)
    return policy


def policy_forget() -> None:
    cache.delete(CACHE_KEY)
