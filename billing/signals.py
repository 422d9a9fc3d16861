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
# A client of `tenant` paid a checkout by card: `reference` is the cabinet's checkout reference,
# `payment_intent` Stripe's payment (what a refund goes back through). Sent inside a transaction;
# may be sent more than once for one payment (the client's return and the webhook).
client_card_paid = Signal()

# Something happened to a client's card payment after it was made (a refund, a dispute opened or
# decided): `state` (billing.gateway.CardPaymentState) is all of it as Stripe has it now, so the
# receiver makes its records match it, whatever order the events came in. Sent inside a
# transaction; may be sent any number of times.
client_card_payment_changed = Signal()
