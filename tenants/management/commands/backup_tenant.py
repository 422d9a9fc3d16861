from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.backup import (
    FORMAT_VERSION,
    FORMATS,
    BackupError,
    backup_ship,
    backups_prune,
    tenant_backup,
)
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Back one tenant up: its schema, its rows in public and its media, in one archive "
        "(BACKUP_DIR/<slug>/ unless --output); --ship also uploads it to BACKUP_S3_BUCKET. "
        "--format 1 writes the old pg_dump archive (for a schema holding a table the code "
        "does not know, which format 2 refuses)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", type=Path, help="a folder for the archive")
        parser.add_argument("--ship", action="store_true", help="upload to the S3 bucket")
        parser.add_argument("--keep", type=int, default=0, help="keep only the newest N")
        parser.add_argument("--format", type=int, choices=FORMATS, default=FORMAT_VERSION)

    def handle(self, *args: object, **options: object) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"no tenant {options['slug']!r}")
        try:
            path = tenant_backup(tenant, folder=options["output"], archive_format=options["format"])
            if options["ship"]:
                backup_ship(path, slug=tenant.slug, keep=options["keep"] or 10_000)
            if options["keep"]:
                backups_prune(tenant.slug, keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
