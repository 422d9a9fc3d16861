"""The cabinet's answers about memberships: billing's news of a client's subscription (applied
in the tenant's schema), and the person's data export."""

from typing import Any

from django_tenants.utils import tenant_context

from billing.signals import client_subscription_changed
from cabinet.accounts.models import ClientProfile
from cabinet.memberships.models import Membership, MembershipInvoice
from cabinet.memberships.services import membership_sync
from rbac.models import User
from rbac.signals import PersonalDataSection, personal_data_erasing, personal_data_requested
from rbac.signals import personal_record as row
from tenants.models import Tenant
from tenants.tasks_base import enqueue_on_commit, task_named


def subscription_changed(
    sender: type, tenant: Tenant, subscription_id: str, invoice_id: str = "", **kwargs: Any
) -> str | None:
    with tenant_context(tenant):
        membership = membership_sync(
            tenant=tenant, subscription_id=subscription_id, invoice_id=invoice_id
        )  # network: no transaction is open here
        if membership is None:
            return None
        return f"membership {membership.pk} {membership.shown_status}"


def export_memberships(sender: type[User], user: User, **kwargs: Any) -> list[PersonalDataSection]:
    memberships = Membership.objects.filter(client__user=user).select_related("plan")
    invoices = MembershipInvoice.objects.filter(membership__client__user=user).select_related(
        "membership__plan"
    )
    return [
        PersonalDataSection(
            title="Memberships",
            records=[
                row(
                    plan=m.plan.name,
                    status=m.shown_status,
                    amount=m.amount,
                    currency=m.currency,
                    every_months=m.months,
                    next_payment=m.current_period_end,
                    since=m.created_at,
                    ended=m.ended_at,
                    stripe_subscription=m.stripe_subscription_id,
                )
                for m in memberships
            ],
            sources=("cabinet.Membership",),
        ),
        PersonalDataSection(
            title="Membership invoices",
            records=[
                row(
                    plan=i.membership.plan.name,
                    number=i.number,
                    issued=i.issued_at,
                    status=i.status,
                    amount_due=i.amount_due,
                    amount_paid=i.amount_paid,
                    currency=i.currency,
                )
                for i in invoices
            ],
            sources=("cabinet.MembershipInvoice",),
        ),
    ]


def end_memberships(sender: type[User], user: User, **kwargs: Any) -> None:
    """Inside the deletion's transaction: once it commits, the person's live memberships end at
    the end of their paid period, and Stripe forgets their name and email. Memberships and
    invoices stay, tied to the anonymised client record: they are the business's accounting."""
    memberships_end_for_erased = task_named("cabinet.memberships_end_for_erased")
    client_ids = set(
        Membership.objects.filter(client__user=user).values_list("client_id", flat=True)
    )
    # and whoever saved a card at checkout: the cards are removed at Stripe (the customer's id
    # travels with the task: the client row may be gone by the time it runs)
    cards = dict(
        ClientProfile.objects.filter(user=user)
        .exclude(card_customer="")
        .values_list("pk", "card_customer")
    )
    for client_id in client_ids | set(cards):
        enqueue_on_commit(memberships_end_for_erased, client_id, cards.get(client_id, ""))


def connect() -> None:
    client_subscription_changed.connect(subscription_changed, dispatch_uid="cabinet-memberships")
    personal_data_requested.connect(export_memberships, dispatch_uid="cabinet-memberships-export")
    personal_data_erasing.connect(end_memberships, dispatch_uid="cabinet-memberships-erase")
