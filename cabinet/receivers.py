import logging
from decimal import Decimal
from typing import Any

from allauth.account.signals import user_signed_up
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_tenants.utils import tenant_context

from billing.signals import client_card_paid, client_card_payment_changed, client_payment_received
from cabinet.accounts.models import ClientProfile
from cabinet.accounts.personal_data import personal_data_erase, personal_data_sections
from cabinet.branding.models import Branding, BusinessDetails
from cabinet.catalog.models import CatalogItem
from cabinet.common.money import money
from cabinet.content.models import InfoPage
from cabinet.content.selectors import home_content_forget
from cabinet.content.starter import seed_upcoming_events
from cabinet.notifications.models import NotificationEvent
from cabinet.verticals import vertical_named
from cabinet.wallet.models import Tier
from rbac.models import User
from rbac.signals import PersonalDataSection, personal_data_erasing, personal_data_requested
from tenants.models import Tenant
from tenants.signals import tenant_provisioned

# The starting palette of a cabinet with no vertical; a vertical brings its own ("colours").
DEFAULT_COLOURS = ("#1f5f8b", "#e0a100")


@receiver(tenant_provisioned)
def set_up_new_cabinet(sender: type[Tenant], tenant: Tenant, **kwargs: Any) -> None:
    """Branding from the tenant's name and vertical, and its dated starter content."""
    vertical = vertical_named(tenant.vertical)
    primary, accent = vertical.colours if vertical else DEFAULT_COLOURS
    Branding.objects.create(display_name=tenant.name, primary_colour=primary, accent_colour=accent)
    seed_upcoming_events(tenant.vertical)


@receiver(user_signed_up)
def create_client_profile(sender: type, request: object, user: User, **kwargs: Any) -> None:
    """Every person who registers in the cabinet is a client with a profile staff can serve,
    assigned by the owner's rule for new clients (if any)."""
    if not user.is_staff:
        from cabinet.staff.assignment import new_client_route

        profile, created = ClientProfile.objects.get_or_create(user=user)
        if created:
            new_client_route(client=profile)


log = logging.getLogger(__name__)


@receiver(client_payment_received)
def credit_card_payment(
    sender: type, tenant: Tenant, client_ref: str, amount: Decimal, currency: str,
    reference: str, **kwargs: Any,
) -> None:  # fmt: skip
    """A client's card payment (a top-up) lands on their balance, once per payment."""
    from django.utils.translation import gettext as _

    from cabinet.notifications.services import in_language_of, notify
    from cabinet.wallet.services import wallet_for, wallet_top_up

    with tenant_context(tenant):
        client = (
            ClientProfile.objects.select_related("user").filter(pk=int(client_ref)).first()
            if client_ref.isdigit()
            else None
        )
        if client is None or wallet_for(client).currency != currency:
            log.error("payment %s (client %r, %s) not credited", reference, client_ref, currency)
            return
        entry = wallet_top_up(client=client, amount=amount, key=reference, note="card payment")
        if entry is None:
            return  # credited already (the webhook and the return from Checkout both came)
        with in_language_of(client.user):
            notify(
                recipient=client.user, event=NotificationEvent.ORDER_STATUS,
                title=_("%(amount)s added to your balance")
                % {"amount": money(amount, currency)},
                url="/wallet/", key=f"topup:{reference}",
            )  # fmt: skip


@receiver(client_card_paid)
def confirm_card_checkout(
    sender: type, tenant: Tenant, client_ref: str, reference: str, amount: Decimal,
    currency: str, payment_intent: str, **kwargs: Any,
) -> None:  # fmt: skip
    """A checkout paid by card is confirmed (or, when it cannot be, the card is given back)."""
    from cabinet.checkout.card_payments import checkout_card_paid

    with tenant_context(tenant):
        checkout_card_paid(client_ref=client_ref, reference=reference,
                           payment_intent=payment_intent, amount=amount,
                           currency=currency)  # fmt: skip


@receiver(client_card_payment_changed)
def follow_card_payment(sender: type, tenant: Tenant, state: Any, **kwargs: Any) -> None:
    """Refunds and disputes of a client's card payment, as Stripe has them, in the ledger."""
    from cabinet.checkout.card_payments import card_payment_follow

    with tenant_context(tenant):
        card_payment_follow(state=state)


@receiver([post_save, post_delete], sender=Tier)
@receiver([post_save, post_delete], sender=InfoPage)
@receiver([post_save, post_delete], sender=CatalogItem)
@receiver([post_save, post_delete], sender=BusinessDetails)
def home_content_changed(**_kwargs: Any) -> None:
    """Every client's home reads the tiers and the welcome page from the cache: a change shows
    at once (in the tenant it was made in: the cache's keys carry the schema)."""
    home_content_forget()


@receiver(personal_data_requested, dispatch_uid="cabinet-personal-data")
def export_personal_data(
    sender: type[User], user: User, **kwargs: Any
) -> list[PersonalDataSection]:
    return personal_data_sections(user=user)


@receiver(personal_data_erasing, dispatch_uid="cabinet-personal-data-erase")
def erase_personal_data(sender: type[User], user: User, **kwargs: Any) -> None:
    personal_data_erase(user=user)
