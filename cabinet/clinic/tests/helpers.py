import datetime
from decimal import Decimal

from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.wallet.models import LedgerEntry
from cabinet.wallet.services import ledger_apply
from tests.conftest import host_of


def as_(tenant, user) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment `days` from today at this local time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def key(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def top_up(client, amount: str = "500") -> None:
    ledger_apply(
        client=client,
        account=LedgerEntry.Account.BALANCE,
        kind=LedgerEntry.Kind.TOPUP,
        amount=Decimal(amount),
        key=f"test-topup:{client.pk}:{amount}",
    )
