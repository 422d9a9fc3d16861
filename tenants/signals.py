"""Signals the tenants app emits; the apps above react in their own receivers.py.

tenant_provisioned(tenant, owner)  sent inside the new tenant's schema, in the provisioning
                                   transaction: rbac creates the owner, cabinet seeds branding.
"""

from django.dispatch import Signal

tenant_provisioned = Signal()

# tenant_status_changed(tenant, from_status, to_status, actor_label, reason)  sent inside the
#                                   tenant's schema, in the transition's transaction: rbac
#                                   writes it into the tenant's audit log.
tenant_status_changed = Signal()
