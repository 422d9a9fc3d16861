"""The owner's audit log: search, filter, export. Exports are themselves audited."""

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cabinet.access import owner_required
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record
from rbac.selectors import audit_search
from rbac.spreadsheets import csv_response

EXPORT_ROWS = 50_000


def _filters(request: HttpRequest) -> dict[str, object]:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.GET.get(name, "")[:10])
        except ValueError:
            return None

    return {
        "query": request.GET.get("q", "")[:100],
        "action": request.GET.get("action", "")[:64],
        "actor": request.GET.get("actor", "")[:254],
        "since": day("since"),
        "until": day("until"),
    }


@require_GET
@owner_required
def audit_log(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(audit_search(**filters), 50).get_page(request.GET.get("page"))
    return render_cabinet(request, "staff/audit_log.html", {"page": page, "filters": filters})


@require_GET
@owner_required
def audit_export(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    rows: list[list[object]] = [
        [f"# Audit log exported by {request.user.email} at {timezone.now():%Y-%m-%d %H:%M} UTC"],
        ["at", "actor", "action", "target", "changes", "reason", "ip", "impersonated_by"],
    ]
    for entry in audit_search(**filters)[:EXPORT_ROWS].iterator():
        rows.append([entry.at.isoformat(), entry.actor_label, entry.action,
                     f"{entry.target_type}:{entry.target_id}", entry.changes, entry.reason,
                     entry.ip or "", entry.impersonated_by])  # fmt: skip
    audit_record(action="audit.exported", request=request, changes={"rows": len(rows) - 2})
    return csv_response(rows, filename=f"audit-{timezone.now():%Y%m%d-%H%M}.csv")
