from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.pool import pool_refill
from tenants.schema_templates import ensure_templates
from tenants.services import public_tenant_ensure


class Command(BaseCommand):
    help = (
        "After `migrate_schemas --shared`: make sure the platform host routes to `public`, the "
        "template schemas are current, every tenant schema is migrated and the warm pool is full."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        public_tenant_ensure()
        for name in ensure_templates():
            self.stdout.write(f"template schema {name} (re)built")
        # Our runner: skips schemas already current with one query each, ignores purged ones.
        call_command("migrate_tenants", skip_templates=True, verbosity=0)
        for report in pool_refill():
            if report.created or report.discarded:
                self.stdout.write(
                    f"warm pool {report.vertical}: +{report.created} spare(s), "
                    f"-{report.discarded} stale, {report.ready} ready"
                )
        self.stdout.write("platform ready")
