"""Writes of the business's recurring plans and its clients' memberships. Every change a client
or staff member asks for goes to Stripe first (outside any transaction); what the cabinet stores
is then read back from Stripe (`membership_sync`), the one way a membership's row changes —
whether the client came back from Checkout, pressed Pause, or a webhook arrived, in any order
and any number of times."""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import client_subscriptions as stripe_side
from billing import payments
from billing.client_subscriptions import ConnectedInvoice, ConnectedSubscription, StripeFailure
from cabinet.accounts.models import ClientProfile
from cabinet.common.money import money
from cabinet.content.translations import tr
from cabinet.memberships.models import Membership, MembershipInvoice, MembershipPlan
from cabinet.notifications.models import NotificationEvent
from rbac.audit import audit_record
from rbac.models import User
from tenants.models import Tenant

log = logging.getLogger(__name__)

PlansUnavailable = stripe_side.PlansUnavailable
OFFERED_CACHE_KEY = "memberships:offered"
SYNC_TRIES = 5
# Stripe's subscription statuses, as ours (`incomplete` and anything new: waiting).
STATUSES = {
    "active": Membership.Status.ACTIVE,
    "trialing": Membership.Status.ACTIVE,
    "past_due": Membership.Status.PAST_DUE,
    "unpaid": Membership.Status.PAST_DUE,
    "canceled": Membership.Status.CANCELED,
    "incomplete_expired": Membership.Status.CANCELED,
}
ACTIONS = ("pause", "resume", "cancel", "keep")


def memberships_offered() -> bool:
    """Whether the cabinet has a plan clients may take, or memberships taken before. The
    navigation asks on every page: cached per cabinet, forgotten when a plan is saved or the
    first membership is made."""
    offered = cache.get(OFFERED_CACHE_KEY)
    if offered is None:
        offered = (
            MembershipPlan.objects.filter(is_active=True).exists() or Membership.objects.exists()
        )
        cache.set(OFFERED_CACHE_KEY, offered, 3600)
    return offered


# -- plans (staff) --------------------------------------------------------------------------------


def plan_save(*, plan: MembershipPlan, actor: User) -> MembershipPlan:
    """Store a new or edited plan (validated by its form), audited; its terms reach Stripe by
    `plan_publish` after the transaction."""
    created = plan.pk is None
    with transaction.atomic():
        plan.save()
        audit_record(
            action="membership_plan.created" if created else "membership_plan.changed",
            actor=actor, target=plan,
            changes={"name": plan.name, "price": str(plan.price), "currency": plan.currency,
                     "interval": plan.interval, "active": plan.is_active},
        )  # fmt: skip
        transaction.on_commit(lambda: cache.delete(OFFERED_CACHE_KEY))
    return plan


def plan_publish(*, tenant: Tenant, plan: MembershipPlan) -> MembershipPlan:
    """Make sure Stripe has the plan's Product and a Price for its current terms (network).
    Raises PlansUnavailable when the business takes no card payments or Stripe is away."""
    if plan.stripe_price_id and plan.stripe_price_key == plan.terms_key:
        return plan
    product, price = stripe_side.plan_publish(
        tenant=tenant, plan_ref=str(plan.pk), name=plan.name, amount=plan.price,
        currency=plan.currency, months=plan.months, product_id=plan.stripe_product_id,
        terms_key=plan.terms_key,
    )  # fmt: skip
    MembershipPlan.objects.filter(pk=plan.pk).update(
        stripe_product_id=product, stripe_price_id=price, stripe_price_key=plan.terms_key
    )
    plan.stripe_product_id, plan.stripe_price_id = product, price
    plan.stripe_price_key = plan.terms_key
    return plan


# -- subscribing and changing (the client) -------------------------------------------------------


def membership_checkout_start(
    *, tenant: Tenant, client: ClientProfile, plan: MembershipPlan, success_url: str,
    cancel_url: str,
) -> str:  # fmt: skip
    """The URL of Stripe's Checkout where the client subscribes to `plan` with their card."""
    if not plan.is_active:
        raise PlansUnavailable(_("This plan is not offered any more."))
    if (
        Membership.objects.filter(client=client, plan=plan)
        .exclude(status=Membership.Status.CANCELED)
        .exists()
    ):
        raise PlansUnavailable(_("You already have this membership."))
    plan = plan_publish(tenant=tenant, plan=plan)
    known = (
        Membership.objects.filter(client=client)
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    user = client.user
    url, _customer = stripe_side.checkout_start(
        tenant=tenant, customer=known or "", email=user.email, name=user.get_full_name(),
        client_ref=str(client.pk), plan_ref=str(plan.pk), price=plan.stripe_price_id,
        success_url=success_url, cancel_url=cancel_url, attempt=uuid.uuid4().hex,
    )  # fmt: skip
    return url


def membership_return(
    *, tenant: Tenant, client: ClientProfile, session_id: str
) -> Membership | None:
    """The client is back from Checkout: read what their session started, now."""
    subscription_id = stripe_side.session_subscription(
        tenant=tenant, session_id=session_id[:300], client_ref=str(client.pk)
    )
    if not subscription_id:
        return None
    membership = membership_sync(tenant=tenant, subscription_id=subscription_id)
    return membership if membership is not None and membership.client_id == client.pk else None


def membership_change(
    *, tenant: Tenant, membership: Membership, action: str, actor: User
) -> Membership:
    """Pause, resume, cancel at the period's end, or keep a membership that was to end."""
    if action not in ACTIONS or not membership.is_live:
        raise PlansUnavailable(_("This membership cannot be changed any more."))
    stripe_side.subscription_change(
        tenant=tenant, subscription_id=membership.stripe_subscription_id, action=action,
        attempt=uuid.uuid4().hex,
    )  # fmt: skip
    audit_record(action=f"membership.{action}", actor=actor, target=membership.client,
                 changes={"membership": membership.pk, "plan": membership.plan_id})  # fmt: skip
    return membership_sync(tenant=tenant, subscription_id=membership.stripe_subscription_id) or (
        membership
    )


def memberships_end_for(*, client_id: int, card_customer: str = "") -> int:
    """A client deleted their account: their live memberships end at the end of the paid period
    (nothing more is charged to their card), the cards they saved at checkout are removed, and
    their Stripe customers on the business's account keep no name, email or phone. Runs in the
    tenant's task; a Stripe failure is raised for the task to retry (each call is idempotent).
    How many memberships were ended."""
    tenant = connection.tenant
    ended = 0
    memberships = Membership.objects.filter(client_id=client_id)
    live = memberships.filter(cancel_at_period_end=False).exclude(status=Membership.Status.CANCELED)
    try:
        for membership in live:
            stripe_side.subscription_change(
                tenant=tenant, subscription_id=membership.stripe_subscription_id,
                action="cancel", attempt=f"erased:{client_id}",
            )  # fmt: skip
            membership_sync(tenant=tenant, subscription_id=membership.stripe_subscription_id)
            ended += 1
        customers = set(memberships.values_list("stripe_customer_id", flat=True))
        # the customer that kept the cards they chose to save at checkout: the cards go too
        if card_customer:
            for card in payments.saved_cards(tenant=tenant, customer=card_customer):
                payments.saved_card_remove(tenant=tenant, customer=card_customer, card_id=card.id)
            customers.add(card_customer)
        for customer in customers - {""}:
            stripe_side.customer_anonymise(tenant=tenant, customer=customer)
        ClientProfile.objects.filter(pk=client_id).update(card_customer="")
    except (PlansUnavailable, StripeFailure) as exc:
        raise RuntimeError(f"the memberships of client {client_id} are not ended yet") from exc
    return ended


# -- applying Stripe's state ----------------------------------------------------------------------


class SyncConflict(RuntimeError):
    pass


def membership_sync(
    *, tenant: Tenant, subscription_id: str, invoice_id: str = ""
) -> Membership | None:
    """Read the subscription (and its latest invoice, and `invoice_id`) from Stripe now and apply
    it; None when it is not a membership of this cabinet's clients. Runs in the tenant's schema.

    Ordered without a lock held across the network, as billing.subscriptions does it: the row's
    version is read before Stripe is, and the state is written only if no other apply wrote
    since (compare and set) — so a write always comes from a read begun after the previous write
    committed, and the newest state wins whatever order the events came in."""
    for _try in range(SYNC_TRIES):
        version = (
            Membership.objects.filter(stripe_subscription_id=subscription_id)
            .values_list("version", flat=True)
            .first()
        )
        current = stripe_side.subscription_read(tenant=tenant, subscription_id=subscription_id)
        if current is None:
            return None
        invoices = [
            found
            for wanted in dict.fromkeys(filter(None, [invoice_id, current.latest_invoice]))
            if (found := stripe_side.invoice_read(tenant=tenant, invoice_id=wanted)) is not None
            and found.subscription in ("", current.id)
        ]
        applied = _apply(current, invoices, read_at_version=version)
        if applied is not RETRY:
            return cast(Membership | None, applied)
    raise SyncConflict(f"membership {subscription_id} kept changing while it was read")


RETRY = object()  # another apply wrote since this one read Stripe: read again


def _apply(
    current: ConnectedSubscription, invoices: list[ConnectedInvoice], *, read_at_version: int | None
) -> Membership | object | None:
    """The membership as written from `current`; None when it names no client or plan of this
    cabinet; RETRY when another apply wrote since `read_at_version` was read."""
    client_ref, plan_ref = current.metadata.get("client", ""), current.metadata.get("plan", "")
    client = (
        ClientProfile.objects.select_related("user").filter(pk=int(client_ref)).first()
        if client_ref.isdigit()
        else None
    )
    plan = MembershipPlan.objects.filter(pk=int(plan_ref)).first() if plan_ref.isdigit() else None
    if client is None or plan is None:
        log.error("membership %s names no client or plan of this cabinet", current.id)
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update()
                .filter(stripe_subscription_id=current.id)
                .first()
            )
            if membership is None:
                if read_at_version is not None:
                    return RETRY  # it was there when read: read again
                membership = Membership.objects.create(
                    client=client, plan=plan, stripe_subscription_id=current.id,
                    stripe_customer_id=current.customer,
                )  # fmt: skip
                transaction.on_commit(lambda: cache.delete(OFFERED_CACHE_KEY))
            elif read_at_version is None or membership.version != read_at_version:
                return RETRY  # another apply wrote since this one read Stripe
            before = _Seen.of(membership)
            _write(membership, current, now)
            for invoice in invoices:
                _invoice_write(membership, invoice, now)
            _tell_client(membership, before, invoices)
    except IntegrityError:  # created by a racing apply a moment ago
        return RETRY
    return membership


@dataclass(frozen=True)
class _Seen:
    status: str
    new: bool

    @classmethod
    def of(cls, membership: Membership) -> "_Seen":
        return cls(status=membership.status, new=membership.version == 0)


def _write(membership: Membership, current: ConnectedSubscription, now: dt.datetime) -> None:
    membership.status = STATUSES.get(current.status, Membership.Status.INCOMPLETE)
    membership.stripe_customer_id = current.customer or membership.stripe_customer_id
    membership.paused = current.paused
    membership.cancel_at_period_end = current.cancel_at_period_end
    membership.current_period_end = current.current_period_end
    membership.ended_at = (
        (current.ended_at or membership.ended_at or now)
        if membership.status == Membership.Status.CANCELED
        else None
    )
    membership.amount = current.amount
    membership.currency = current.currency or membership.currency
    membership.months = current.months
    membership.version += 1
    membership.synced_at = now
    membership.save()


def _invoice_write(membership: Membership, invoice: ConnectedInvoice, now: dt.datetime) -> None:
    MembershipInvoice.objects.update_or_create(
        stripe_invoice_id=invoice.id,
        defaults={
            "membership": membership, "number": invoice.number[:64], "status": invoice.status[:16],
            "amount_due": invoice.amount_due, "amount_paid": invoice.amount_paid,
            "currency": invoice.currency[:3], "hosted_url": invoice.hosted_url[:500],
            "pdf_url": invoice.pdf_url[:500], "attempt_count": invoice.attempt_count,
            "next_attempt_at": invoice.next_attempt_at, "issued_at": invoice.created,
            "synced_at": now,
        },
    )  # fmt: skip


def _tell_client(membership: Membership, before: _Seen, invoices: list[ConnectedInvoice]) -> None:
    """Dunning and the other news, each once (the notification's key): a failed payment (per
    invoice and attempt) with where to update the card, a recovered one, the end."""
    from cabinet.notifications.services import in_language_of, notify

    user, sid, plan = membership.client.user, membership.stripe_subscription_id, membership.plan
    unpaid = next((i for i in invoices if i.status == "open" and i.attempt_count), None)
    with in_language_of(user):
        name = tr(plan, "name")  # the plan's name in the client's language
        if membership.status == Membership.Status.PAST_DUE and unpaid is not None:
            body = _(
                "We could not take %(amount)s for %(plan)s from your card. Update your card and "
                "pay on the membership page; we will try again."
            ) % {"amount": money(unpaid.amount_due, unpaid.currency), "plan": name}
            if unpaid.next_attempt_at is None:
                body = _(
                    "We could not take %(amount)s for %(plan)s from your card. Update your card "
                    "and pay on the membership page before it ends."
                ) % {"amount": money(unpaid.amount_due, unpaid.currency), "plan": name}
            notify(recipient=user, event=NotificationEvent.MEMBERSHIP,
                   title=_("Payment for %(plan)s failed") % {"plan": name}, body=body,
                   url="/memberships/",
                   key=f"membership:{sid}:failed:{unpaid.id}:{unpaid.attempt_count}")  # fmt: skip
        elif before.status == Membership.Status.PAST_DUE and membership.status == "active":
            notify(recipient=user, event=NotificationEvent.MEMBERSHIP,
                   title=_("Payment received: %(plan)s goes on") % {"plan": name},
                   url="/memberships/",
                   key=f"membership:{sid}:recovered:{membership.version}")  # fmt: skip
        elif membership.status == Membership.Status.CANCELED and before.status != "canceled":
            failed = before.status == Membership.Status.PAST_DUE or any(
                i.status in ("open", "uncollectible") for i in invoices
            )
            title = (
                _("%(plan)s has ended: the payment could not be taken")
                if failed
                else _("%(plan)s has ended")
            ) % {"plan": name}
            notify(recipient=user, event=NotificationEvent.MEMBERSHIP, title=title,
                   url="/memberships/", key=f"membership:{sid}:ended")  # fmt: skip
        elif before.new and membership.status == Membership.Status.ACTIVE:
            notify(recipient=user, event=NotificationEvent.MEMBERSHIP,
                   title=_("Welcome to %(plan)s") % {"plan": name},
                   url="/memberships/", key=f"membership:{sid}:started")  # fmt: skip


def monthly_recurring_revenue() -> dict[str, Decimal]:
    """Per currency: what the live, collected memberships bring in a month (a term's and a
    year's fee spread over their months). Paused and ended ones bring nothing."""
    totals: dict[str, Decimal] = {}
    live = Membership.objects.filter(
        status__in=[Membership.Status.ACTIVE, Membership.Status.PAST_DUE], paused=False
    ).values_list("amount", "currency", "months")
    for amount, currency, months in live:
        totals[currency] = totals.get(currency, Decimal(0)) + amount / max(months, 1)
    return {c: v.quantize(Decimal("0.01")) for c, v in sorted(totals.items())}
