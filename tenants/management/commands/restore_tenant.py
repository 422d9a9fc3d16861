import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.backup import BackupError, backup_fetch, tenant_restore


class Command(BaseCommand):
    help = (
        "Restore a tenant from an archive of backup_tenant: the same tenant (swapped in over "
        "its current schema, or recreated after it was dropped), or with --as a new tenant "
        "holding a copy. --from-s3 <slug>/<file> fetches the archive from BACKUP_S3_BUCKET."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="a path, or with --from-s3 the bucket key")
        parser.add_argument("--as", dest="as_slug", help="restore as a new tenant with this slug")
        parser.add_argument("--from-s3", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        with tempfile.TemporaryDirectory(prefix="kabinet-fetch-") as scratch:
            try:
                path = (
                    backup_fetch(options["archive"], into=Path(scratch))
                    if options["from_s3"]
                    else Path(options["archive"])
                )
                if not path.is_file():
                    raise CommandError(f"no archive at {path}")
                tenant = tenant_restore(path, as_slug=options["as_slug"])
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {tenant.slug} into schema {tenant.schema_name}")
