"""The cabinet app's model index: Django registers the models of the app `cabinet` from here.
Each model lives in its domain package (cabinet/<domain>/models.py) and keeps the app label
"cabinet" (its package is not an installed app), so the tables and migrations stay as they were.
Import a model from its domain module; this index is for Django and for old migrations
(they reach the choices functions, `notification_event_choices` and the like, through it)."""

from cabinet.accounts.models import (
    Assignment,
    ClientProfile,
    ClientProfileGroupObjectPermission,
    ClientProfileUserObjectPermission,
)
from cabinet.bookings.models import (
    Booking,
    Event,
)
from cabinet.branding.models import (
    FONT_PAIRINGS,
    SERIF_FALLBACK,
    SYSTEM_STACK,
    Branding,
    BusinessDetails,
    FontChoice,
    cover_small_name,
    hex_colour,
)
from cabinet.catalog.models import (
    CatalogCategory,
    CatalogItem,
    PricingUnit,
)
from cabinet.checkout.models import (
    Checkout,
    OfferRedemption,
)
from cabinet.common.money import (
    Currency,
)
from cabinet.content.models import (
    InfoPage,
)
from cabinet.custom_fields.models import (
    CustomField,
    custom_field_target_choices,
)
from cabinet.documents.models import (
    Document,
    DocumentSeries,
)
from cabinet.feedback.models import (
    Review,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)

# The business's recurring plans for its clients, and their subscriptions (a module of its own).
from cabinet.memberships.models import (
    Membership,
    MembershipInvoice,
    MembershipPlan,
)
from cabinet.messaging.models import (
    CannedAnswer,
    CommunityBan,
    CommunityReply,
    CommunityTopic,
    DirectConversation,
    DirectMessage,
    Message,
    Thread,
)
from cabinet.notifications.models import (
    DEFAULT_CHANNELS,
    STAFF_EVENTS,
    Channel,
    Delivery,
    MessageTemplate,
    Notification,
    NotificationEvent,
    NotificationSettings,
    PushSubscription,
    WebhookDelivery,
    WebhookEndpoint,
    notification_event_choices,
)
from cabinet.orders.models import (
    Order,
    OrderItem,
    OrderStatusChange,
)
from cabinet.wallet.models import (
    Club,
    LedgerEntry,
    LoyaltySettings,
    Offer,
    Segment,
    Tier,
    Wallet,
)
from cabinet.work.models import (
    RequestType,
    WorkRequest,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "FONT_PAIRINGS",
    "SERIF_FALLBACK",
    "STAFF_EVENTS",
    "SYSTEM_STACK",
    "Assignment",
    "Booking",
    "Branding",
    "BusinessDetails",
    "CannedAnswer",
    "CatalogCategory",
    "CatalogItem",
    "Channel",
    "Checkout",
    "ClientProfile",
    "ClientProfileGroupObjectPermission",
    "ClientProfileUserObjectPermission",
    "Club",
    "CommunityBan",
    "CommunityReply",
    "CommunityTopic",
    "Currency",
    "CustomField",
    "Delivery",
    "DirectConversation",
    "DirectMessage",
    "Document",
    "DocumentSeries",
    "Event",
    "FontChoice",
    "InfoPage",
    "LedgerEntry",
    "LoyaltySettings",
    "Membership",
    "MembershipInvoice",
    "MembershipPlan",
    "Message",
    "MessageTemplate",
    "Notification",
    "NotificationEvent",
    "NotificationSettings",
    "Offer",
    "OfferRedemption",
    "Order",
    "OrderItem",
    "OrderStatusChange",
    "PricingUnit",
    "PushSubscription",
    "RequestType",
    "Review",
    "Segment",
    "Survey",
    "SurveyQuestion",
    "SurveyResponse",
    "Thread",
    "Tier",
    "Wallet",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkRequest",
    "cover_small_name",
    "custom_field_target_choices",
    "hex_colour",
    "notification_event_choices",
]
