import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant
from tenants.services import tenant_destroy


class Command(BaseCommand):
    help = (
        "Delete a cabinet for good: its schema, rows and files. There is no undo, so the "
        "cabinet's address must be typed again with --confirm (or at the prompt on a terminal)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--slug", required=True, help="The cabinet's address.")
        parser.add_argument(
            "--confirm", default=None, metavar="SLUG", help="The same address, to confirm."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"].strip().lower()
        tenant = Tenant.objects.filter(slug__iexact=slug).first()
        if tenant is None:
            raise CommandError(f"No cabinet has the address {slug!r}.")
        if tenant.is_public:
            raise CommandError("The platform's own (public) tenant cannot be deleted.")
        confirmation = options["confirm"]
        if confirmation is None and sys.stdin.isatty():
            self.stdout.write(
                f"This drops {tenant.name} (schema {tenant.schema_name}) and all its data."
            )
            confirmation = input("Type the cabinet's address to confirm: ")
        if (confirmation or "").strip().lower() != tenant.slug:
            raise CommandError(
                f"Not deleted: confirm by typing the address, --confirm {tenant.slug}"
            )
        tenant_destroy(tenant=tenant)
        self.stdout.write(f"Deleted {tenant.name} (schema {tenant.schema_name})")
