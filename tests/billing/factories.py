import factory

from billing.models import Plan, Subscription


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A live subscription; pass `tenant=` and, for another plan than Start, `plan=`."""

    class Meta:
        model = Subscription

    plan = factory.LazyFunction(lambda: Plan.objects.get(code="start"))
    status = Subscription.Status.ACTIVE


def plan(code: str) -> Plan:
    return Plan.objects.get(code=code)
