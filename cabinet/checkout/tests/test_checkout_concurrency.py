"""Twenty checkouts at once, on one balance and one offer code with 5 uses: exactly what is
allowed gets through, and the ledger sums to the wallet. Real threads on committed data, one
connection each (the locks are PostgreSQL's, not the test's). Like transaction=True, but on a
tenant of its own: a flush would empty the session's tenants in `public`."""

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.checkout.models import Checkout, OfferRedemption
from cabinet.checkout.placing import checkout_confirm
from cabinet.checkout.services import checkout_open_order
from cabinet.wallet.models import LedgerEntry, Offer, Wallet
from cabinet.wallet.services import wallet_top_up
from rbac.models import User


@pytest.fixture
def shop_floor(module_tenant, django_db_blocker):
    """A client with a balance, a 20.00 item and a code for 5 uses; all committed."""

    def make(balance: str, discount_percent: int) -> tuple:
        with django_db_blocker.unblock(), tenant_context(module_tenant):
            tag = uuid.uuid4().hex[:8]
            user = User.objects.create_user(email=f"racer-{tag}@example.com", password="p")
            client = ClientProfile.objects.create(user=user)
            wallet_top_up(client=client, amount=Decimal(balance))
            item = CatalogItem.objects.create(
                category=CatalogCategory.objects.first(), name=f"Lamp {tag}", price=Decimal("20")
            )
            offer = Offer.objects.create(
                title=f"Five {tag}", code=f"FIVE{tag}".upper(), discount_percent=discount_percent,
                max_uses=5, max_uses_per_client=20,
                valid_until=timezone.now() + dt.timedelta(days=1),
            )  # fmt: skip
        return module_tenant, client, item, offer

    return make


def race(tenant, client, item, offer, django_db_blocker) -> list[str]:
    with django_db_blocker.unblock(), tenant_context(tenant):
        carts = []
        for _n in range(20):
            checkout = checkout_open_order(client=client, wanted={item.pk: 1})
            Checkout.objects.filter(pk=checkout.pk).update(code=offer.code)
            carts.append(checkout.pk)

    def pay(pk: int) -> str:
        try:
            with django_db_blocker.unblock(), tenant_context(tenant):
                checkout_confirm(checkout=Checkout.objects.get(pk=pk), payment="balance")
            return "paid"
        except ValidationError as exc:
            return exc.code or "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(pay, carts))


def sums(tenant, client, offer, django_db_blocker) -> tuple:
    with django_db_blocker.unblock(), tenant_context(tenant):
        wallet = Wallet.objects.get(client=client)
        ledger = LedgerEntry.objects.filter(client=client, account="balance")
        return (
            wallet.balance,
            ledger.aggregate(s=Sum("amount"))["s"],
            Offer.objects.get(pk=offer.pk).uses,
            OfferRedemption.objects.filter(offer=offer).count(),
            Checkout.objects.filter(client=client, status="paid").count(),
            ledger.filter(kind="spend").count(),
        )


def test_the_code_runs_out_first_five_get_through(shop_floor, django_db_blocker):
    # given 100.00 on the balance and a code for 5 uses at half price (10.00 a lamp)
    tenant, client, item, offer = shop_floor("100.00", 50)
    # when 20 checkouts with the code are confirmed at once
    results = race(tenant, client, item, offer, django_db_blocker)
    # then exactly 5 are paid; the others are refused for the code, and the cart stays open
    assert results.count("paid") == 5
    assert results.count("offer") == 15
    balance, ledger_sum, uses, redemptions, paid, spends = sums(
        tenant, client, offer, django_db_blocker
    )
    assert (uses, redemptions, paid, spends) == (5, 5, 5, 5)
    assert balance == Decimal("50.00")
    assert ledger_sum == balance  # 100.00 top-up, 5 × -10.00


def test_the_balance_runs_out_first_only_what_it_pays_gets_through(shop_floor, django_db_blocker):
    # given 50.00 on the balance and a code for 5 uses at 10 % off (18.00 a lamp)
    tenant, client, item, offer = shop_floor("50.00", 10)
    # when 20 checkouts with the code are confirmed at once
    results = race(tenant, client, item, offer, django_db_blocker)
    # then two are paid (36.00); the balance refused the rest and the code was used twice
    assert results.count("paid") == 2
    assert results.count("funds") == 18
    balance, ledger_sum, uses, redemptions, paid, spends = sums(
        tenant, client, offer, django_db_blocker
    )
    assert (uses, redemptions, paid, spends) == (2, 2, 2, 2)
    assert balance == Decimal("14.00")
    assert ledger_sum == balance
