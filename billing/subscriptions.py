"""A tenant's subscription: the trial it starts on, its Stripe customer, Checkout and the Customer
Portal, and how Stripe's state of the subscription drives the tenant's lifecycle.

Stripe is the source of truth for a paid subscription. Whatever told us something changed (a
webhook, a return from Checkout, the nightly check), `subscription_sync` reads the subscription's
current state from Stripe and applies that — so events arriving twice or out of order cannot
move a tenant the wrong way.

Lifecycle, driven from here (every move in the platform's and the tenant's audit log, actor
"billing"):

    payment fails → past_due → (BILLING_PAST_DUE_DAYS) grace → (BILLING_GRACE_DAYS) read_only
                  → (BILLING_READ_ONLY_DAYS) suspended;  payment recovered → active

The owner is told by email at each step, and on every page by the cabinet's banner.
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_context

from billing import gateway
from billing.models import Plan, Subscription
from billing.plans import plan_sync
from tenants.lifecycle import TRANSITIONS, Actor, tenant_transition
from tenants.models import Tenant, TenantEvent
from tenants.models import TenantStatus as S
from tenants.services import tenant_link
from tenants.tasks_base import task_named

log = logging.getLogger(__name__)

BILLING = Actor(label="billing")
# Stripe's subscription statuses, as ours; those not named here leave ours as it is
# (`incomplete`: Checkout has not finished; `paused`: not used by Kabinet).
STRIPE_STATUSES = {
    "active": Subscription.Status.ACTIVE,
    "trialing": Subscription.Status.ACTIVE,
    "past_due": Subscription.Status.PAST_DUE,
    "unpaid": Subscription.Status.PAST_DUE,
    "canceled": Subscription.Status.CANCELED,
    "incomplete_expired": Subscription.Status.CANCELED,
}
DUNNING_STATUSES = (S.PAST_DUE, S.GRACE, S.READ_ONLY)


class BillingUnavailable(Exception):
    """Stripe cannot be reached or refused the call; the message is safe to show."""


# -- opening the account -----------------------------------------------------------------------


def account_open(tenant: Tenant) -> Subscription:
    """A new tenant's trial: BILLING_TRIAL_DAYS on BILLING_TRIAL_PLAN, no card needed. Runs in
    the provisioning transaction; the Stripe customer is opened by a task after it commits."""
    plan = Plan.objects.filter(code=settings.BILLING_TRIAL_PLAN).first() or Plan.objects.get(
        is_default=True
    )
    subscription, _created = Subscription.objects.get_or_create(
        tenant=tenant,
        defaults={
            "plan": plan,
            "status": Subscription.Status.TRIALING,
            "trial_ends_at": timezone.now() + dt.timedelta(days=settings.BILLING_TRIAL_DAYS),
        },
    )
    if gateway.is_configured():
        open_customer = task_named("billing.open_customer")

        transaction.on_commit(lambda: open_customer.delay(tenant.pk))
    return subscription


def customer_ensure(tenant: Tenant) -> str:
    """The tenant's Stripe customer id, opening the customer if it has none yet. Safe to repeat
    and to race: the idempotency key makes Stripe answer a repeat with the same customer."""
    subscription = account_open(tenant) if not _has_subscription(tenant) else tenant.subscription
    if subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    customer = gateway.customer_create(
        tenant_id=tenant.pk, name=tenant.name, email=tenant.owner_email, slug=tenant.slug
    )
    Subscription.objects.filter(pk=subscription.pk, stripe_customer_id="").update(
        stripe_customer_id=customer
    )
    subscription.stripe_customer_id = customer
    return customer


def _has_subscription(tenant: Tenant) -> bool:
    try:
        tenant.subscription  # noqa: B018 — loads it
    except Subscription.DoesNotExist:
        return False
    return True


# -- Checkout, the Portal, invoices --------------------------------------------------------------


def checkout_start(*, tenant: Tenant, plan: Plan, success_url: str, cancel_url: str) -> str:
    """The Stripe Checkout URL where the owner subscribes to `plan`."""
    if plan.is_free:
        raise ValidationError(
            _("The free plan needs no subscription: cancel the paid one in the billing portal.")
        )
    try:
        customer = customer_ensure(tenant)
        plan = plan_sync(plan)
        return gateway.checkout_session_create(
            customer=customer,
            prices=[plan.stripe_price_id, *plan.stripe_metered_prices.values()],
            success_url=success_url,
            cancel_url=cancel_url,
            tenant_id=tenant.pk,
            plan_code=plan.code,
            attempt=uuid.uuid4().hex,
        )
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        log.warning("checkout for tenant %s failed: %s", tenant.pk, exc)
        raise BillingUnavailable(
            gettext("Payments are unavailable right now. Please try again in a few minutes.")
        ) from exc


def portal_start(*, tenant: Tenant, return_url: str) -> str:
    try:
        return gateway.portal_session_create(
            customer=customer_ensure(tenant), return_url=return_url, attempt=uuid.uuid4().hex
        )
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        log.warning("portal for tenant %s failed: %s", tenant.pk, exc)
        raise BillingUnavailable(
            gettext("The billing portal is unavailable right now. Please try again later.")
        ) from exc


def invoices_for(tenant: Tenant) -> list[gateway.Invoice] | None:
    """The tenant's latest invoices from Stripe; None when they cannot be read right now."""
    customer = (
        Subscription.objects.filter(tenant=tenant)
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if not customer:
        return []
    try:
        return gateway.invoices(customer)
    except (gateway.StripeFailure, gateway.NotConfigured) as exc:
        log.warning("invoices of tenant %s unavailable: %s", tenant.pk, exc)
        return None


# -- applying Stripe's state ------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    status: str
    plan: str
    moved_to: str | None
    refused: str = ""  # why the tenant's move was refused, when it was


class SyncConflict(gateway.StripeFailure):
    """Other applies kept writing while this one read Stripe: try again later, as when Stripe
    cannot be reached (callers that handle that handle this)."""


SYNC_TRIES = 5


def subscription_sync(subscription: Subscription) -> SyncResult | None:
    """Read the customer's subscription from Stripe now and apply it. None when Stripe has no
    subscription for the customer (nothing to apply).

    Ordered without a lock held across the network: the version is read before Stripe is,
    and the state is written only if no other apply wrote since (compare and set). A write
    therefore always comes from a read that began after the previous write committed — newer
    state — and an apply that lost the race reads Stripe again."""
    for _try in range(SYNC_TRIES):
        version = (
            Subscription.objects.filter(pk=subscription.pk)
            .values_list("stripe_version", flat=True)
            .get()
        )
        current = gateway.subscription_current(subscription.stripe_customer_id)
        if current is None:
            return None
        result = subscription_apply(subscription.pk, current, read_at_version=version)
        if result is not None:
            return result
    raise SyncConflict(f"subscription {subscription.pk} kept changing while it was read")


def subscription_apply(
    subscription_pk: int,
    current: gateway.StripeSubscription,
    *,
    read_at_version: int | None = None,
) -> SyncResult | None:
    """Apply Stripe's `current` state of the subscription, and move the tenant accordingly.
    With `read_at_version`, only if no other apply wrote since that version was read (else
    None: read again). A subscription older than the applied one (replaced by a plan switch)
    changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        # The row alone: locked with a join, a wait behind a plan change re-checks the join
        # against the old plan row and finds no row (and would queue a plan's tenants).
        sub = Subscription.objects.select_for_update(of=("self",)).get(pk=subscription_pk)
        if read_at_version is not None and sub.stripe_version != read_at_version:
            return None
        older = (
            sub.stripe_created is not None
            and current.created is not None
            and current.id != sub.stripe_subscription_id
            and current.created < sub.stripe_created
        )
        if not older:
            _write(sub, current, now)
        tenant = Tenant.objects.get(pk=sub.tenant_id)
        moved_to, refused = _lifecycle_follow(tenant, sub)
    return SyncResult(status=sub.status, plan=sub.plan.code, moved_to=moved_to, refused=refused)


def _write(sub: Subscription, current: gateway.StripeSubscription, now: dt.datetime) -> None:
    status = STRIPE_STATUSES.get(current.status, sub.status)
    plan = (
        Plan.objects.filter(stripe_price_id__in=current.price_ids).first()
        if current.price_ids
        else None
    ) or (
        # On prices of an edited plan (or any price of its product): still that plan.
        Plan.objects.filter(stripe_product_id__in=current.product_ids).first()
        if current.product_ids
        else None
    )
    sub.stripe_subscription_id = current.id
    sub.stripe_created = current.created or sub.stripe_created
    sub.status = status
    sub.plan = plan or sub.plan
    sub.current_period_start = current.current_period_start
    sub.current_period_end = current.current_period_end
    sub.cancel_at_period_end = current.cancel_at_period_end
    sub.synced_at = now
    sub.stripe_version += 1
    if status != Subscription.Status.TRIALING:  # Stripe bills it now: our own trial is over
        sub.trial_ends_at = None
    if status == Subscription.Status.PAST_DUE:
        sub.past_due_since = sub.past_due_since or now
    else:
        sub.past_due_since = None
    sub.save()


# -- the tenant's lifecycle as a function of the subscription ----------------------------------

# Where the tenant goes, given the subscription's status (ours) and the tenant's status; None:
# it stays. Two targets depend on more than the pair:
FREE_OR_READ_ONLY = "free_or_read_only"  # active on the free default plan if there is one,
#                                          else read-only
IF_BILLING_SUSPENDED = "if_billing_suspended"  # active again, unless an admin suspended it
_SUB = Subscription.Status
LIFECYCLE: dict[str, dict[str, str | None]] = {
    _SUB.TRIALING: {},  # our own trial, no Stripe subscription: nothing to follow
    _SUB.ACTIVE: {
        S.TRIAL: S.ACTIVE,
        S.PAST_DUE: S.ACTIVE,
        S.GRACE: S.ACTIVE,
        S.READ_ONLY: S.ACTIVE,
        S.SUSPENDED: IF_BILLING_SUSPENDED,
    },
    _SUB.PAST_DUE: {
        S.TRIAL: S.PAST_DUE,
        S.ACTIVE: S.PAST_DUE,
        # past_due → grace → read_only → suspended is dunning's, by the clock
    },
    _SUB.CANCELED: {
        S.TRIAL: FREE_OR_READ_ONLY,
        S.ACTIVE: FREE_OR_READ_ONLY,
        S.PAST_DUE: FREE_OR_READ_ONLY,  # Stripe's usual end of dunning: never stays past due
        S.GRACE: FREE_OR_READ_ONLY,
        S.READ_ONLY: FREE_OR_READ_ONLY,
        S.SUSPENDED: IF_BILLING_SUSPENDED,
    },
}


def lifecycle_target(
    sub_status: str, tenant_status: str, *, free_plan: bool, billing_suspended: bool
) -> str | None:
    """The status the tenant should have (None: leave it as it is). A pure function of the
    subscription's current state, whatever path led there."""
    target = LIFECYCLE.get(sub_status, {}).get(tenant_status)
    if target == IF_BILLING_SUSPENDED:
        if not billing_suspended:
            return None
        target = S.ACTIVE if sub_status == _SUB.ACTIVE or free_plan else None
    if target == FREE_OR_READ_ONLY:
        target = S.ACTIVE if free_plan else S.READ_ONLY
    return None if target == tenant_status else target


def transition_path(start: str, goal: str) -> list[str]:
    """The shortest way from `start` to `goal` that the tenant state machine allows (each
    step audited), e.g. past_due → grace → read_only; [] when there is none."""
    paths: dict[str, list[str]] = {start: []}
    queue = [start]
    while queue:
        here = queue.pop(0)
        if here == goal:
            return paths[here]
        for step in sorted(TRANSITIONS.get(here, frozenset())):
            if step not in paths and step != S.PURGED:
                paths[step] = [*paths[here], step]
                queue.append(step)
    return []


def _has_free_default_plan() -> bool:
    return Plan.objects.filter(is_default=True, monthly_price=0).exists()


def _lifecycle_follow(tenant: Tenant, sub: Subscription) -> tuple[str | None, str]:
    """Move the tenant where `lifecycle_target` says; (where it went, why a move was refused)."""
    target = lifecycle_target(
        sub.status,
        tenant.status,
        free_plan=_has_free_default_plan(),
        billing_suspended=tenant.status == S.SUSPENDED and _suspended_by_billing(tenant),
    )
    if target is None:
        return None, ""
    moved: str | None = None
    for step in transition_path(tenant.status, target):
        reason, notice = _reason(sub.status, step)
        notice = notice if step == target else "none"  # the owner hears of where it ends
        try:
            moved = _move(tenant, step, reason, notice_key=notice)
        except ValidationError as exc:  # the tenant moved meanwhile (an admin): theirs stands
            log.warning("billing could not move tenant %s to %s: %s", tenant.pk, step, exc)
            return moved, f"tenant move to {step} refused: {'; '.join(exc.messages)}"
    return moved, ""


def _reason(sub_status: str, to: str) -> tuple[str, str]:
    if sub_status == _SUB.CANCELED and to == S.ACTIVE:
        return "The subscription was cancelled: free plan.", "canceled"
    if sub_status == _SUB.CANCELED:
        return "The subscription was cancelled and there is no free plan.", ""
    if to == S.ACTIVE:
        return "Stripe reports the subscription paid and active.", ""
    return "Stripe reports a failed payment (past due).", ""


def _suspended_by_billing(tenant: Tenant) -> bool:
    last = (
        TenantEvent.objects.filter(tenant=tenant, kind=TenantEvent.Kind.STATUS)
        .order_by("-created_at", "-id")
        .first()
    )
    return last is not None and last.to_status == S.SUSPENDED and last.actor_label == BILLING.label


def _move(tenant: Tenant, to: str, reason: str, *, notice_key: str = "") -> str:
    tenant_transition(tenant=tenant, to=to, actor=BILLING, reason=reason)
    notice = OWNER_NOTICES.get(notice_key or to)
    if notice and tenant.owner_email:
        email, subject, body = tenant.owner_email, notice[0], notice[1]
        transaction.on_commit(lambda: _tell_owner(tenant, email, subject, body))
    return to


# -- dunning and trials, run hourly ------------------------------------------------------------


def dunning_advance(*, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Move every tenant whose payment has been failing for long enough one step further, and
    end trials that ran out. Returns (slug, new status) for each move. Runs in `public`."""
    with schema_context(get_public_schema_name()):
        return _dunning_advance(now or timezone.now())


def _dunning_advance(now: dt.datetime) -> list[tuple[str, str]]:
    moves: list[tuple[str, str]] = []
    past_due = Subscription.objects.filter(
        status=Subscription.Status.PAST_DUE, past_due_since__isnull=False
    ).select_related("tenant")
    for sub in past_due:
        tenant = sub.tenant
        step = _dunning_step(tenant, sub, now)
        if step:
            moves.append((tenant.slug, _move(tenant, *step)))
    ended = Subscription.objects.filter(
        status=Subscription.Status.TRIALING, trial_ends_at__lte=now
    ).select_related("tenant")
    for sub in ended:
        with transaction.atomic():
            updated = Subscription.objects.filter(
                pk=sub.pk, status=Subscription.Status.TRIALING
            ).update(status=Subscription.Status.CANCELED)
            if updated and sub.tenant.status == S.TRIAL:
                moved = _move(
                    sub.tenant, S.ACTIVE, "The trial ended: free plan.", notice_key="trial_ended"
                )
                moves.append((sub.tenant.slug, moved))
    return moves


def _dunning_step(tenant: Tenant, sub: Subscription, now: dt.datetime) -> tuple[str, str] | None:
    days = dt.timedelta(days=1)
    if (
        tenant.status == S.PAST_DUE
        and now >= sub.past_due_since + settings.BILLING_PAST_DUE_DAYS * days
    ):
        return S.GRACE, "The payment is still failing: grace period."
    if (
        tenant.status == S.GRACE
        and now >= tenant.status_changed_at + settings.BILLING_GRACE_DAYS * days
    ):
        return S.READ_ONLY, "The grace period ended unpaid: read-only."
    if (
        tenant.status == S.READ_ONLY
        and now >= tenant.status_changed_at + settings.BILLING_READ_ONLY_DAYS * days
    ):
        return S.SUSPENDED, "Read-only for too long unpaid: suspended."
    return None


# -- telling the owner ------------------------------------------------------------------------

OWNER_NOTICES = {
    S.PAST_DUE: (
        _("A payment for %(name)s failed"),
        _(
            "We could not take the payment for your cabinet %(name)s. Stripe will try again; "
            "please update your card in the billing portal: %(url)s"
        ),
    ),
    S.GRACE: (
        _("%(name)s: grace period — please pay"),
        _(
            "The payment for %(name)s is still failing. Your cabinet keeps working until "
            "%(until)s; after that it becomes read-only. Update your card here: %(url)s"
        ),
    ),
    S.READ_ONLY: (
        _("%(name)s is now read-only"),
        _(
            "Your cabinet %(name)s is read-only because the payment failed: clients can look but "
            "nothing can be changed. Pay to restore it at once: %(url)s"
        ),
    ),
    S.SUSPENDED: (
        _("%(name)s is suspended"),
        _(
            "Your cabinet %(name)s is suspended for non-payment. Your data is kept; pay to bring "
            "it back: %(url)s"
        ),
    ),
    "trial_ended": (
        _("%(name)s: your trial has ended"),
        _(
            "The free trial of %(name)s has ended and the cabinet is now on the free plan, with "
            "its limits. Your data is all there. Choose a plan to keep everything: %(url)s"
        ),
    ),
    "canceled": (
        _("%(name)s: subscription cancelled"),
        _("The subscription of %(name)s is cancelled; the cabinet is on the free plan. %(url)s"),
    ),
    S.ACTIVE: (
        _("%(name)s: payment received"),
        _("Thank you — your cabinet %(name)s is fully active. Billing: %(url)s"),
    ),
}


def _tell_owner(tenant: Tenant, email: str, subject: str, body: str) -> None:
    until = timezone.now() + dt.timedelta(days=settings.BILLING_GRACE_DAYS)
    with translation.override(tenant.default_language):
        params = {
            "name": tenant.name,
            "url": tenant_link(tenant, "/staff/billing/"),
            "until": until.date().isoformat(),
        }
        try:
            send_mail(
                str(subject) % params,
                str(body) % params,
                settings.DEFAULT_FROM_EMAIL,
                [email],
            )
        except OSError:
            log.exception("could not email the owner of tenant %s", tenant.pk)
