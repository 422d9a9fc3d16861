"""The business's own recurring plans for its clients (issue 20, point 3): the owner makes a
plan, a client subscribes by card on the business's connected Stripe account (the fake), pauses,
resumes and cancels; a failed payment is chased with the client (dunning) until it is paid or the
membership ends; invoices show in the cabinet. Webhooks, duplicated and reordered, leave the
state Stripe has now, and each notice is sent once."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from billing.models import StripeEvent
from cabinet.accounts.models import ClientProfile
from cabinet.memberships.models import Membership, MembershipInvoice, MembershipPlan
from cabinet.memberships.services import monthly_recurring_revenue
from cabinet.notifications.models import Notification
from tests.billing.conftest import deliver
from tests.billing.test_client_card_payments import a_guest, connect, owner_of
from tests.factories import UserFactory

PLAN = {"name": "Monthly parking", "description": "A place in the garage", "price": "30.00",
        "currency": "EUR", "interval": "month", "is_active": "on"}  # fmt: skip


def make_plan(tenant, host: str = "hotel.localhost", **changes: str) -> MembershipPlan:
    owner = owner_of(tenant, host)
    response = owner.post("/staff/memberships/new/", {**PLAN, **changes})
    assert response.status_code == 303, response.content.decode()[:500]
    with tenant_context(tenant):
        return MembershipPlan.objects.latest("pk")


def subscribe(fake, browser: Client, plan: MembershipPlan, *, come_back: bool = True) -> str:
    """The client subscribes and pays on Checkout; the Stripe subscription's id."""
    response = browser.post(f"/memberships/plans/{plan.pk}/subscribe/")
    assert response.status_code == 303, response.content.decode()[:300]
    session_id = response["Location"].rsplit("/", 1)[1]
    paid = fake.pay_checkout(session_id)
    if come_back:
        back = paid["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        page = browser.get("/" + back.split("/", 3)[3], follow=True).content.decode()
        assert f"Welcome to {plan.name}" in page
    return paid["subscription"]


def deliver_all(platform_client, events, capture) -> None:
    with capture(execute=True):
        for event in events:
            assert deliver(platform_client, event).status_code == 200


def membership(tenant, subscription_id: str) -> Membership:
    with tenant_context(tenant):
        return Membership.objects.select_related("plan").get(stripe_subscription_id=subscription_id)


def notices(tenant, client: ClientProfile) -> list[str]:
    with tenant_context(tenant):
        return list(
            Notification.objects.filter(user=client.user, event="membership")
            .order_by("pk")
            .values_list("title", flat=True)
        )


def test_the_owner_makes_a_plan_and_a_client_subscribes_by_card(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given a connected business with a plan published on its own Stripe account
    account = connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    price = stripe_fake.get(plan.stripe_price_id, "price")
    assert (price["unit_amount"], price["currency"], price["recurring"]["interval"]) == (
        3000, "eur", "month",
    )  # fmt: skip
    client, browser = a_guest(hotel)
    page = browser.get("/memberships/").content.decode()
    assert "Monthly parking" in page
    assert "Subscribe by card" in page
    # when the client subscribes and pays on Checkout, on the business's account
    before = len(stripe_fake.events)
    sid = subscribe(stripe_fake, browser, plan)
    # then the membership is active with its next payment and its paid invoice
    assert stripe_fake.get(sid, "subscription")["account"] == account
    found = membership(hotel, sid)
    assert (found.status, found.client_id, found.amount, found.currency) == (
        "active", client.pk, Decimal("30.00"), "EUR",
    )  # fmt: skip
    page = browser.get("/memberships/").content.decode()
    assert "Next payment on" in page
    assert "Paid" in page
    assert "€30.00" in page
    # and Stripe's events, delivered twice each, change nothing and say nothing again
    events = stripe_fake.events[before:]
    deliver_all(platform_client, events + events, django_capture_on_commit_callbacks)
    with tenant_context(hotel):
        assert Membership.objects.count() == 1
        assert MembershipInvoice.objects.filter(status="paid").count() == 1
        assert monthly_recurring_revenue() == {"EUR": Decimal("30.00")}
    assert notices(hotel, client) == ["Welcome to Monthly parking"]
    applied = StripeEvent.objects.filter(event_id__in=[e["id"] for e in events])
    assert set(applied.values_list("outcome", flat=True)) == {"applied"}


def test_the_webhook_alone_makes_the_membership(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel, name="Term fee", interval="term", price="90")
    client, browser = a_guest(hotel)
    before = len(stripe_fake.events)
    sid = subscribe(stripe_fake, browser, plan, come_back=False)  # the tab is closed
    deliver_all(platform_client, stripe_fake.events[before:], django_capture_on_commit_callbacks)
    found = membership(hotel, sid)
    assert (found.status, found.months, found.client_id) == ("active", 3, client.pk)
    with tenant_context(hotel):
        assert monthly_recurring_revenue() == {"EUR": Decimal("30.00")}  # 90 a term, 30 a month


def test_pause_resume_cancel_and_keep(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    pk = membership(hotel, sid).pk
    # pause: Stripe stops collecting, the page says so, the renewal is not charged
    page = browser.post(f"/memberships/{pk}/pause/", follow=True).content.decode()
    assert "nothing is charged until you resume" in page
    assert stripe_fake.get(sid, "subscription")["pause_collection"] == {"behavior": "void"}
    assert membership(hotel, sid).paused
    with tenant_context(hotel):
        assert monthly_recurring_revenue() == {}
    before = len(stripe_fake.events)
    stripe_fake.membership_renew(sid)
    deliver_all(platform_client, stripe_fake.events[before:], django_capture_on_commit_callbacks)
    assert "Not charged (paused)" in browser.get("/memberships/").content.decode()
    # resume
    browser.post(f"/memberships/{pk}/resume/")
    assert stripe_fake.get(sid, "subscription")["pause_collection"] is None
    assert not membership(hotel, sid).paused
    # cancel at the period's end, then change one's mind, then cancel for good
    browser.post(f"/memberships/{pk}/cancel/")
    assert stripe_fake.get(sid, "subscription")["cancel_at_period_end"] is True
    assert "nothing more is charged" in browser.get("/memberships/").content.decode()
    browser.post(f"/memberships/{pk}/keep/")
    assert membership(hotel, sid).cancel_at_period_end is False
    browser.post(f"/memberships/{pk}/cancel/")
    before = len(stripe_fake.events)
    stripe_fake.membership_renew(sid)  # the period ends
    deliver_all(platform_client, stripe_fake.events[before:], django_capture_on_commit_callbacks)
    ended = membership(hotel, sid)
    assert ended.status == "canceled"
    assert ended.ended_at is not None
    assert notices(hotel, client)[-1] == "Monthly parking has ended"
    # an ended membership cannot be changed, and the plan can be taken again
    page = browser.post(f"/memberships/{pk}/pause/", follow=True).content.decode()
    assert "cannot be changed any more" in page
    assert "Subscribe by card" in page
    with tenant_context(hotel):
        from rbac.models import AuditEntry

        assert AuditEntry.objects.filter(action="membership.pause").count() == 1


def test_a_failed_payment_is_chased_and_recovered(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    # the renewal is declined: past due, the client is told once, with where to pay
    before = len(stripe_fake.events)
    stripe_fake.membership_renew(sid, paid=False)
    failed = stripe_fake.events[before:]
    deliver_all(platform_client, failed + failed[::-1], django_capture_on_commit_callbacks)
    assert membership(hotel, sid).status == "past_due"
    assert notices(hotel, client)[-1] == "Payment for Monthly parking failed"
    assert notices(hotel, client).count("Payment for Monthly parking failed") == 1
    page = browser.get("/memberships/").content.decode()
    invoice_id = stripe_fake.get(sid, "subscription")["latest_invoice"]
    assert "Update card and pay" in page
    assert f"/invoice/{invoice_id}" in page
    # Stripe's retry fails too: told again (a new attempt), still past due
    before = len(stripe_fake.events)
    stripe_fake.membership_retry(sid, succeeded=False)
    deliver_all(platform_client, stripe_fake.events[before:], django_capture_on_commit_callbacks)
    assert notices(hotel, client).count("Payment for Monthly parking failed") == 2
    # the client updates the card on Stripe's invoice page and pays: active again
    before = len(stripe_fake.events)
    stripe_fake.act("invoice", invoice_id, "pay")
    deliver_all(platform_client, stripe_fake.events[before:], django_capture_on_commit_callbacks)
    assert membership(hotel, sid).status == "active"
    assert notices(hotel, client)[-1] == "Payment received: Monthly parking goes on"
    with tenant_context(hotel):
        assert MembershipInvoice.objects.get(stripe_invoice_id=invoice_id).status == "paid"


def test_after_the_last_retry_the_membership_ends_and_the_client_is_told(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    before = len(stripe_fake.events)
    stripe_fake.membership_renew(sid, paid=False)
    stripe_fake.membership_retry(sid, succeeded=False, final=True)
    events = stripe_fake.events[before:]
    deliver_all(platform_client, events[::-1] + events, django_capture_on_commit_callbacks)
    ended = membership(hotel, sid)
    assert ended.status == "canceled"
    told = notices(hotel, client)
    assert told[-1] == "Monthly parking has ended: the payment could not be taken"
    assert told.count("Monthly parking has ended: the payment could not be taken") == 1
    page = browser.get("/memberships/").content.decode()
    assert "Ended on" in page
    assert "Unpaid" in page


def test_reordered_and_late_events_leave_what_stripe_has_now(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    before = len(stripe_fake.events)
    sid = subscribe(stripe_fake, browser, plan, come_back=False)
    stripe_fake.membership_renew(sid, paid=False)
    stripe_fake.membership_retry(sid, succeeded=True)
    events = stripe_fake.events[before:]
    # newest first, then everything again: the old "past due" never wins
    deliver_all(platform_client, events[::-1] + events, django_capture_on_commit_callbacks)
    found = membership(hotel, sid)
    assert found.status == "active"
    with tenant_context(hotel):
        assert list(
            MembershipInvoice.objects.filter(membership=found).values_list("status", flat=True)
        ) == ["paid", "paid"]
    assert "Payment for Monthly parking failed" not in notices(hotel, client)


def test_two_cabinets_with_colliding_ids_never_touch_each_other(
    hotel, shop, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    # given both businesses connected, each with a client and a plan of the same ids
    connect(stripe_fake, hotel)
    shop_account = connect(stripe_fake, shop, host="shop.localhost")
    clients = {}
    for tenant in (hotel, shop):
        with tenant_context(tenant):
            ClientProfile.objects.create(pk=987_654, user=UserFactory())
            MembershipPlan.objects.create(pk=876_543, name=f"{tenant.slug} club", price=10)
            clients[tenant.slug] = ClientProfile.objects.get(pk=987_654)
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(clients["hotel"].user)
        plan = MembershipPlan.objects.get(pk=876_543)
    before = len(stripe_fake.events)
    sid = subscribe(stripe_fake, browser, plan)
    events = stripe_fake.events[before:]
    # when the hotel's events arrive, and a copy claiming to be the shop's account
    forged = [{**e, "id": e["id"] + "x", "account": shop_account} for e in events]
    deliver_all(platform_client, events + forged, django_capture_on_commit_callbacks)
    # then only the hotel has the membership; the shop's client of the same id has none
    assert membership(hotel, sid).client_id == 987_654
    with tenant_context(shop):
        assert not Membership.objects.exists()
        assert not Notification.objects.filter(event="membership").exists()
    assert set(
        StripeEvent.objects.filter(event_id__in=[e["id"] for e in forged]).values_list(
            "outcome", flat=True
        )
    ) == {"skipped"}
    # and the shop's client cannot read or change the hotel's membership by its id
    shop_browser = Client(HTTP_HOST="shop.localhost")
    with tenant_context(shop):
        shop_browser.force_login(clients["shop"].user)
    pk = membership(hotel, sid).pk
    assert shop_browser.post(f"/memberships/{pk}/pause/").status_code == 404
    assert shop_browser.get(f"/memberships/done/?session={events[0]['data']['object']['id']}",
                            follow=True).status_code == 200  # fmt: skip
    with tenant_context(shop):
        assert not Membership.objects.exists()


def test_another_clients_membership_is_a_404_and_nonsense_is_refused(hotel, stripe_fake):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    _client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    pk = membership(hotel, sid).pk
    _other, other_browser = a_guest(hotel)
    assert other_browser.post(f"/memberships/{pk}/cancel/").status_code == 404
    assert browser.post(f"/memberships/{pk}/explode/").status_code == 404
    assert browser.post("/memberships/plans/999999/subscribe/").status_code == 404
    assert browser.get("/memberships/done/?session=<script>", follow=True).status_code == 200
    assert stripe_fake.get(sid, "subscription")["cancel_at_period_end"] is False
    # the same plan twice is refused before Stripe
    requests = len(stripe_fake.requests)
    page = browser.post(f"/memberships/plans/{plan.pk}/subscribe/", follow=True)
    assert "already have this membership" in page.content.decode()
    assert len(stripe_fake.requests) == requests


def test_stripe_down_changes_nothing_and_says_so(hotel, stripe_fake):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    _client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    stripe_fake.fail_next = 100
    page = browser.post(f"/memberships/{membership(hotel, sid).pk}/pause/", follow=True)
    assert page.status_code == 200
    assert "unavailable right now" in page.content.decode()
    assert not membership(hotel, sid).paused


def test_no_card_payments_no_subscribing(hotel, stripe_fake):
    with tenant_context(hotel):
        plan = MembershipPlan.objects.create(name="Gym", price=20)
    _client, browser = a_guest(hotel)
    page = browser.get("/memberships/").content.decode()
    assert "Gym" in page
    assert "Subscribe by card" not in page
    page = browser.post(f"/memberships/plans/{plan.pk}/subscribe/", follow=True).content.decode()
    assert "does not take card payments" in page
    assert not stripe_fake.of_kind("checkout.session")


@pytest.mark.parametrize(
    "changes", [{"price": "0.10"}, {"price": "abc"}, {"price": "1e9"}, {"name": ""},
                {"interval": "week"}, {"currency": "XXX"}],
)  # fmt: skip
def test_a_bad_plan_is_refused_with_a_message(hotel, changes):
    owner = owner_of(hotel, "hotel.localhost")
    response = owner.post("/staff/memberships/new/", {**PLAN, **changes})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    with tenant_context(hotel):
        assert not MembershipPlan.objects.exists()


def test_plans_need_the_permission_and_subscribers_are_scoped(hotel, hotel_client, stripe_fake):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    _client, browser = a_guest(hotel)
    subscribe(stripe_fake, browser, plan)
    # a viewer (no plan permission) gets a 403 and no link
    with tenant_context(hotel):
        from rbac.roles import role_set

        viewer = UserFactory(is_staff=True)
        role_set(user=viewer, role="viewer")
        hotel_client.force_login(viewer)
    assert hotel_client.get("/staff/memberships/").status_code == 403
    assert hotel_client.post("/staff/memberships/new/", PLAN).status_code == 403
    # the owner sees the plan's subscriber count, the monthly revenue and the subscribers
    owner = owner_of(hotel, "hotel.localhost")
    page = owner.get("/staff/memberships/").content.decode()
    assert "1 subscriber" in page
    assert "€30.00" in page
    page = owner.get(f"/staff/memberships/{plan.pk}/subscribers/").content.decode()
    assert "Active" in page
    assert "€30.00" in owner.get("/staff/kpi/").content.decode()


def test_the_client_page_asks_the_same_queries_however_many_memberships(
    hotel, stripe_fake, django_assert_max_num_queries
):
    connect(stripe_fake, hotel)
    _client, browser = a_guest(hotel)
    plans = [make_plan(hotel, name=f"Plan {n}") for n in range(3)]
    subscribe(stripe_fake, browser, plans[0])
    browser.get("/memberships/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        browser.get("/memberships/")
    subscribe(stripe_fake, browser, plans[1])
    subscribe(stripe_fake, browser, plans[2])
    with CaptureQueriesContext(connection) as three:
        browser.get("/memberships/")
    assert len(three) == len(one)


def test_deleting_the_account_ends_the_membership_and_keeps_the_invoices(
    hotel, stripe_fake, eager_tasks, django_capture_on_commit_callbacks
):
    from rbac.account import account_erase

    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    # when the person's account is erased
    with tenant_context(hotel), django_capture_on_commit_callbacks(execute=True):
        account_erase(user=client.user)
    # then nothing more is charged to their card, and the business keeps its invoices
    assert stripe_fake.get(sid, "subscription")["cancel_at_period_end"] is True
    assert membership(hotel, sid).cancel_at_period_end
    customer = stripe_fake.get(stripe_fake.get(sid, "subscription")["customer"], "customer")
    assert (customer["email"], customer["name"]) == (None, None)
    with tenant_context(hotel):
        assert MembershipInvoice.objects.filter(membership__stripe_subscription_id=sid).count() == 1
        assert Membership.objects.get(stripe_subscription_id=sid).client_id == client.pk


def test_the_export_lists_memberships_and_their_invoices(hotel, stripe_fake):
    from cabinet.memberships.receivers import export_memberships

    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    subscribe(stripe_fake, browser, plan)
    with tenant_context(hotel):
        sections = export_memberships(sender=type(client.user), user=client.user)
    (memberships, invoices) = sections
    assert memberships.records[0]["plan"] == "Monthly parking"
    assert invoices.records[0]["amount paid"] == "30.00"


def test_the_dunning_notice_and_the_page_speak_russian(
    hotel, stripe_fake, platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    client, browser = a_guest(hotel)
    with tenant_context(hotel):
        client.user.language = "ru"
        client.user.save(update_fields=["language"])
    before = len(stripe_fake.events)
    sid = subscribe(stripe_fake, browser, plan, come_back=False)
    stripe_fake.membership_renew(sid, paid=False)
    deliver_all(platform_client, stripe_fake.events[before:], django_capture_on_commit_callbacks)
    assert notices(hotel, client)[-1] == "Платёж за «Monthly parking» не прошёл"
    browser.cookies["django_language"] = "ru"
    page = browser.get("/memberships/").content.decode()
    assert "Обновить карту и оплатить" in page
    assert "Подписки" in page


def test_a_subscription_naming_no_client_of_this_cabinet_is_not_applied(hotel, stripe_fake):
    from cabinet.memberships.services import membership_sync

    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    _client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan, come_back=False)
    stripe_fake.get(sid, "subscription")["metadata"]["client"] = "999999999"
    reads = len(stripe_fake.requests)
    with tenant_context(hotel):
        assert membership_sync(tenant=hotel, subscription_id=sid) is None
        assert not Membership.objects.exists()
    assert len(stripe_fake.requests) - reads <= 2  # read once, not retried as a conflict


def test_a_state_read_before_another_apply_wrote_is_never_written(hotel, stripe_fake):
    from billing.client_subscriptions import subscription_read
    from cabinet.memberships.services import RETRY, _apply

    connect(stripe_fake, hotel)
    plan = make_plan(hotel)
    _client, browser = a_guest(hotel)
    sid = subscribe(stripe_fake, browser, plan)
    # given an apply that read Stripe ("active") at the row's version …
    version = membership(hotel, sid).version
    stale = subscription_read(tenant=hotel, subscription_id=sid)
    # … while the renewal failed and another apply wrote "past due"
    stripe_fake.membership_renew(sid, paid=False)
    fresh = subscription_read(tenant=hotel, subscription_id=sid)
    with tenant_context(hotel):
        assert _apply(fresh, [], read_at_version=version).status == "past_due"
        # then the stale one is refused (it reads again), and the newer state stays
        assert _apply(stale, [], read_at_version=version) is RETRY
    assert membership(hotel, sid).status == "past_due"


def test_staff_lists_ask_the_same_queries_however_many_rows(hotel, stripe_fake):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connect(stripe_fake, hotel)
    owner = owner_of(hotel, "hotel.localhost")
    plan = make_plan(hotel)
    _client, browser = a_guest(hotel)
    subscribe(stripe_fake, browser, plan)
    pages = ["/staff/memberships/", f"/staff/memberships/{plan.pk}/subscribers/", "/staff/kpi/"]
    for url in pages:
        owner.get(url)
    with CaptureQueriesContext(connection) as few:
        for url in pages:
            assert owner.get(url).status_code == 200
    for n in range(2):
        make_plan(hotel, name=f"Plan {n}")
        _other, other_browser = a_guest(hotel)
        subscribe(stripe_fake, other_browser, plan)
    with CaptureQueriesContext(connection) as more:
        for url in pages:
            owner.get(url)
    assert len(more) == len(few)
