"""What billing announces to the apps above it (which connect in their own receivers.py)."""

from django.dispatch import Signal

# A client of `tenant` paid `amount` `currency` by card (Stripe Connect), identified by
# `client_ref` (the cabinet's own reference) and, unique per payment, `reference`. Sent inside a
# transaction in the `public` schema; may be sent more than once for one payment.
client_payment_received = Signal()
