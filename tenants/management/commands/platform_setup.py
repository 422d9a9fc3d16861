from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.models import Tenant
from tenants.schema_templates import ensure_template, template_schema_name
from tenants.services import public_tenant_ensure


class Command(BaseCommand):
    help = (
        "After `migrate_schemas --shared`: make sure the platform host routes to `public`, the "
        "template schema is current, and every tenant schema is migrated."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        public_tenant_ensure()
        if ensure_template():
            self.stdout.write(f"template schema {template_schema_name()} (re)built")
        if Tenant.objects.exclude(schema_name="public").exists():
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        self.stdout.write("platform ready")
