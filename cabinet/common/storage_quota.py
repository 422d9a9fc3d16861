"""Storage against the plan: before a file is kept (a picture, an attachment, a logo), the
cabinet's files plus this one must fit the plan's storage quota (billing.limits, gauge
"storage_mb"). Who uploads is told why: staff with the plan's words and the upgrade link,
clients that the cabinet has no room."""

import math

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from billing import limits
from tenants.storage import tenant_media_bytes, tenant_media_forget

MB = 1_000_000


def storage_use() -> dict[str, int | None]:
    """The cabinet's files in MB against its plan's storage quota (None: unlimited)."""
    used = math.ceil(tenant_media_bytes(connection.schema_name) / MB)
    return {"used": used, "limit": limits.plan_for(connection.tenant).quota("storage_mb")}


def storage_check(adding_bytes: int, *, for_staff: bool) -> None:
    used = math.ceil(tenant_media_bytes(connection.schema_name) / MB)
    verdict = limits.check("storage_mb", adding=math.ceil(max(adding_bytes, 0) / MB),
                           current=used)  # fmt: skip
    if not verdict.allowed:
        message = (
            verdict.message
            if for_staff
            else _("This cabinet has no room for more files. Please contact the staff.")
        )
        raise ValidationError(message, code="storage_limit")


def storage_changed() -> None:
    tenant_media_forget(connection.schema_name)
