from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tenants.pool import pool_refill, pool_size
from tenants.schema_templates import TemplateOutOfDate
from tenants.verticals import vertical_keys


class Command(BaseCommand):
    help = (
        "Top up the warm pool of spare schemas: discard spares built from an older template and "
        "clone new ones until each vertical has the target number ready."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--vertical", default=None, choices=vertical_keys(), help="Only this vertical."
        )
        parser.add_argument(
            "--size",
            type=int,
            default=None,
            help="Spares to keep ready per vertical (default TENANT_POOL_SIZE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["size"]
        if size is not None and size < 0:
            raise CommandError("--size cannot be negative.")
        try:
            reports = pool_refill(vertical=options["vertical"], size=size)
        except TemplateOutOfDate as exc:
            raise CommandError(f"{exc} (run `manage.py platform_setup`)") from exc
        target = pool_size() if size is None else size
        for report in reports:
            self.stdout.write(
                f"{report.vertical}: {report.ready}/{target} ready "
                f"(+{report.created} created, -{report.discarded} stale discarded)"
            )
