"""Signals the tenants app emits; the apps above react in their own receivers.py.

tenant_provisioned(tenant, owner)  sent inside the new tenant's schema, in the provisioning
                                   transaction: rbac creates the owner, cabinet seeds branding.
"""

from dataclasses import dataclass, field

from django.dispatch import Signal

tenant_provisioned = Signal()

# tenant_status_changed(tenant, from_status, to_status, actor_label, reason)  sent inside the
#                                   tenant's schema, in the transition's transaction: rbac
#                                   writes it into the tenant's audit log.
tenant_status_changed = Signal()

# tenant_sign_out_everyone(tenant, actor_label, reason)  sent inside the tenant's schema by a
#                                   platform admin's "sign everyone out": rbac ends the schema's
#                                   sessions and API tokens and writes the tenant's audit log.
tenant_sign_out_everyone = Signal()

# What the control panel shows that lower apps cannot know (billing's plan and usage). Receivers
# of control_tenant_rows(tenants) return {tenant_id: {"plan": str, "usage": str}}; receivers of
# control_tenant_panels(tenant) return a list of ControlPanel.
control_tenant_rows = Signal()
# Receivers of control_kpi_stats() return a list of (label, value) for the KPI page (MRR).
control_kpi_stats = Signal()
control_tenant_panels = Signal()


@dataclass(frozen=True)
class ControlPanel:
    title: str
    template: str
    context: dict[str, object] = field(default_factory=dict)
