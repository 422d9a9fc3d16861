from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from billing import usage
from billing.models import Plan, Subscription
from billing.reports import overage_to_date


def plan_form(plan: Plan, **changes) -> dict:
    fields = {
        "code": plan.code,
        "name": plan.name,
        "monthly_price": plan.monthly_price,
        "currency": plan.currency,
        "orders_per_month": plan.orders_per_month or "",
        "overage_per_client": "0",
        "overage_per_staff_seat": "0",
        "overage_per_order": "0",
        "overage_per_booking": "0",
        "overage_per_notification": "0",
        "overage_per_storage_mb": "0",
    }
    return {**fields, **changes}


def test_plans_and_mrr_are_for_platform_admins_only(platform_client, hotel):
    assert platform_client.get("/control/plans/").status_code == 302


def test_the_plan_list_shows_mrr_from_paying_subscriptions(admin_client, hotel, shop):
    Subscription.objects.filter(tenant=hotel).update(
        status="active", plan=Plan.objects.get(code="start"), stripe_subscription_id="sub_1"
    )  # paying; the shop is still on its trial and pays nothing yet
    page = admin_client.get("/control/plans/").content.decode()
    assert "€29.00" in page
    kpis = admin_client.get("/control/kpis/").content.decode()
    assert "MRR (EUR)" in kpis
    assert "€29.00" in kpis  # the one money format, not "29.00 EUR"


def test_an_admin_edits_a_plans_price_and_quota(admin_client, stripe_fake, eager_tasks):
    start = Plan.objects.get(code="start")
    response = admin_client.post(
        f"/control/plans/{start.pk}/",
        plan_form(start, monthly_price="35.00", orders_per_month="2500", overage_per_order="0.04"),
    )
    assert response.status_code == 302
    start.refresh_from_db()
    assert (start.monthly_price, start.orders_per_month) == (35, 2500)
    assert start.stripe_price_id  # synced to Stripe as new prices
    (monthly,) = [p for p in stripe_fake.of_kind("price") if p["id"] == start.stripe_price_id]
    assert monthly["unit_amount"] == 3500


@pytest.mark.parametrize(
    "bad",
    [
        {"monthly_price": "-1"},
        {"monthly_price": "abc"},
        {"currency": "EURO"},
        {"overage_per_order": "-0.5"},
        {"orders_per_month": "-3"},
        {"code": ""},
        {"name": "x" * 500},
        {"monthly_price": "1" * 40},
    ],
)
def test_bad_plan_input_is_a_400_and_changes_nothing(admin_client, bad):
    start = Plan.objects.get(code="start")
    response = admin_client.post(f"/control/plans/{start.pk}/", plan_form(start, **bad))
    assert response.status_code == 400
    assert b"field-error" in response.content
    start.refresh_from_db()
    assert start.monthly_price == 29


def test_overage_to_date_is_shown_beside_mrr(admin_client, hotel, shop):
    start = Plan.objects.get(code="start")
    Plan.objects.filter(pk=start.pk).update(orders_per_month=2, overage_per_order=Decimal("0.50"))
    Subscription.objects.filter(tenant=hotel).update(
        status="active", plan=start, stripe_subscription_id="sub_1"
    )
    with tenant_context(hotel):
        for n in range(5):  # 3 beyond the quota of 2
            usage.record("orders", 1, idempotency_key=f"o{n}")
    with tenant_context(shop):  # on its trial: owes nothing
        for n in range(5):
            usage.record("orders", 1, idempotency_key=f"s{n}")
    assert overage_to_date() == {"EUR": Decimal("1.50")}
    assert "overage this month" in admin_client.get("/control/plans/").content.decode()
    assert "overage this month (EUR)" in admin_client.get("/control/kpis/").content.decode()
