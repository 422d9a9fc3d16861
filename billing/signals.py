"""What billing announces to the apps above it (which connect in their own receivers.py)."""

from django.dispatch import Signal

# A client of `tenant` paid `amount` `currency` by card (Stripe Connect), identified by
# `client_ref` (the cabinet's own reference) and, unique per payment, `reference`. Sent inside a
# transaction in the `public` schema; may be sent more than once for one payment.
client_payment_received = Signal()

# Something about a subscription of one of `tenant`'s clients to the business's own plans may have
# changed on its connected account (`subscription_id`; `invoice_id` when an invoice moved): the
# cabinet reads it from Stripe now and applies it (billing.client_subscriptions). Sent outside any
# transaction, in the `public` schema; may be sent more than once, and in any order. A receiver
# returns a short note of what it applied, or None when the subscription is not its.
client_subscription_changed = Signal()
