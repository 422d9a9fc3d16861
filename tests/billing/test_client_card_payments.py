"""Clients top up their balance by card on the business's own Stripe account (Stripe Connect):
the owner connects it once; a paid Checkout session is credited exactly once, whether the
client's return or the webhook comes first; nobody can credit a session that is not theirs."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from billing.models import PaymentAccount, StripeEvent
from cabinet.accounts.models import ClientProfile
from cabinet.notifications.models import Notification
from cabinet.wallet.models import LedgerEntry, Wallet
from rbac.models import AuditEntry, User
from tests.billing.conftest import deliver
from tests.factories import UserFactory


def owner_of(tenant, host: str) -> Client:
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(User.objects.get(email=f"owner@{tenant.slug}.example.com"))
    return browser


def a_guest(tenant, host: str = "hotel.localhost") -> tuple[ClientProfile, Client]:
    with tenant_context(tenant):
        client = ClientProfile.objects.create(user=UserFactory())
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(client.user)
    return client, browser


def connect(fake, tenant, host: str = "hotel.localhost") -> str:
    """The owner connects Stripe and finishes onboarding; the connected account's id."""
    owner = owner_of(tenant, host)
    response = owner.post("/staff/billing/payments/connect/")
    assert response.status_code == 302
    link_id = response["Location"].rsplit("/", 1)[1]
    back = fake.onboard(link_id)["return_url"]
    page = owner.get("/" + back.split("/", 3)[3], follow=True).content.decode()
    assert "Clients top up their balance by card" in page
    return PaymentAccount.objects.get(tenant=tenant).stripe_account


def start_top_up(browser: Client, amount: str = "50") -> str:
    response = browser.post("/wallet/top-up/", {"amount": amount})
    assert response.status_code == 303, response.content.decode()[:300]
    return response["Location"].rsplit("/", 1)[1]


def balance(tenant, client) -> Decimal:
    with tenant_context(tenant):
        wallet = Wallet.objects.filter(client=client).first()
        return wallet.balance if wallet else Decimal(0)


def test_the_owner_connects_stripe_and_a_client_tops_up_once(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    account = connect(stripe_fake, hotel)
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="billing.payments_connect").exists()
    client, browser = a_guest(hotel)
    assert "Top up by card" in browser.get("/wallet/").content.decode()
    session_id = start_top_up(browser, "50")
    session = stripe_fake.get(session_id, "checkout.session")
    assert (session["account"], session["amount_total"], session["currency"]) == (
        account, 5000, "eur",
    )  # fmt: skip
    paid = stripe_fake.pay_checkout(session_id)
    # the client comes back first: credited at once
    back = paid["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
    page = browser.get("/" + back.split("/", 3)[3], follow=True).content.decode()
    assert "€50.00 added to your balance" in page
    assert balance(hotel, client) == Decimal("50.00")
    # then the webhook arrives (twice, as Stripe may): nothing more is credited
    event = next(e for e in stripe_fake.events if e["type"] == "checkout.session.completed")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(platform_client, event).status_code == 200
        assert deliver(platform_client, event).status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "applied"
    assert balance(hotel, client) == Decimal("50.00")
    with tenant_context(hotel):
        (entry,) = LedgerEntry.objects.filter(client=client, kind="topup")
        assert entry.idempotency_key == f"stripe:{session_id}"
        assert Notification.objects.filter(user=client.user, url="/wallet/").count() == 1


def test_the_webhook_alone_credits_the_payment(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    session_id = start_top_up(browser, "12.5")
    stripe_fake.pay_checkout(session_id)  # the client closes the tab instead of coming back
    event = next(e for e in stripe_fake.events if e["type"] == "checkout.session.completed")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(platform_client, event).status_code == 200
    assert balance(hotel, client) == Decimal("12.50")


def test_an_unpaid_session_credits_nothing(hotel, stripe_fake):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    session_id = start_top_up(browser)
    page = browser.get(f"/wallet/top-up/done/?session={session_id}", follow=True)
    assert "as soon as it is confirmed" in page.content.decode()
    with tenant_context(hotel):
        assert not Wallet.objects.filter(client=client, balance__gt=0).exists()


def test_another_clients_or_another_cabinets_session_credits_nobody(hotel, shop, stripe_fake):
    connect(stripe_fake, hotel)
    connect(stripe_fake, shop, host="shop.localhost")
    payer, payer_browser = a_guest(hotel)
    session_id = start_top_up(payer_browser)
    stripe_fake.pay_checkout(session_id)
    thief, thief_browser = a_guest(hotel)
    thief_browser.get(f"/wallet/top-up/done/?session={session_id}")
    assert balance(hotel, thief) == 0
    elsewhere, elsewhere_browser = a_guest(shop, host="shop.localhost")
    elsewhere_browser.get(f"/wallet/top-up/done/?session={session_id}")
    assert balance(shop, elsewhere) == 0
    assert balance(hotel, payer) == 0  # nobody credited it yet: the payer has not come back


@pytest.mark.parametrize(
    "amount", ["0", "-5", "4.99", "1000.01", "abc", "1e9", "NaN", "", "5" * 50]
)
def test_absurd_amounts_are_refused_before_stripe(hotel, stripe_fake, amount):
    connect(stripe_fake, hotel)
    _client, browser = a_guest(hotel)
    before = len(stripe_fake.requests)
    response = browser.post("/wallet/top-up/", {"amount": amount}, follow=True)
    assert response.status_code == 200
    assert "Top up between €5.00 and €1,000.00" in response.content.decode()
    assert len(stripe_fake.requests) == before


@pytest.mark.parametrize("session", ["", "cs_nope", "../../v1/customers", "x" * 5000, "<script>"])
def test_made_up_sessions_on_return_credit_nothing(hotel, stripe_fake, session):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    response = browser.get("/wallet/top-up/done/", {"session": session}, follow=True)
    assert response.status_code == 200
    assert balance(hotel, client) == 0


def test_no_card_payments_until_the_owner_connects_stripe(hotel, stripe_fake):
    _client, browser = a_guest(hotel)
    assert "Top up by card" not in browser.get("/wallet/").content.decode()
    response = browser.post("/wallet/top-up/", {"amount": "50"}, follow=True)
    assert "does not take card payments" in response.content.decode()
    assert not stripe_fake.of_kind("checkout.session")


def test_only_the_owner_connects_stripe(hotel, hotel_client, stripe_fake):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=True))
    assert hotel_client.post("/staff/billing/payments/connect/").status_code == 403
    assert not stripe_fake.of_kind("account")


def test_stripe_down_when_paying_says_so_and_changes_nothing(hotel, stripe_fake):
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    stripe_fake.fail_next = 100
    response = browser.post("/wallet/top-up/", {"amount": "50"}, follow=True)
    assert "unavailable right now" in response.content.decode()
    assert balance(hotel, client) == 0


def test_connect_events_may_be_signed_with_the_connect_endpoints_secret(
    hotel, stripe_fake, platform_client, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_connect_endpoint"
    connect(stripe_fake, hotel)
    client, browser = a_guest(hotel)
    stripe_fake.pay_checkout(start_top_up(browser, "20"))
    event = next(e for e in stripe_fake.events if e["type"] == "checkout.session.completed")
    assert deliver(platform_client, event, secret="whsec_someone_else").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(platform_client, event, secret="whsec_connect_endpoint")
    assert response.status_code == 200
    assert balance(hotel, client) == Decimal("20.00")
