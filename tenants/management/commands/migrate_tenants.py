import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tenants.migration_runner import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_PER_TRANSACTION,
    DEFAULT_WORKERS,
    NotATenantSchema,
    Outcome,
    RunSummary,
    SchemaResult,
    templates_ensure,
    tenant_schemas_migrate,
)


class Command(BaseCommand):
    help = (
        "Migrate every tenant schema that is behind the code, skipping up-to-date ones at one "
        "query each; a failing schema is reported by name and the others still run. Re-running "
        "resumes an interrupted run. Then make the template schemas current."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--schema", default="", help="Only this tenant schema.")
        parser.add_argument(
            "--start-after",
            default="",
            metavar="SCHEMA",
            help="Only schemas whose name sorts after this one (to continue a run).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be migrated; change nothing."
        )
        parser.add_argument(
            "--skip-templates",
            action="store_true",
            help="Do not check or rebuild the template schemas afterwards.",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100,
            metavar="N",
            help="Print a progress line every N schemas (default 100; 0: never).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Schema names read per query (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--per-transaction",
            type=int,
            default=DEFAULT_PER_TRANSACTION,
            metavar="N",
            help="Schemas migrated in one transaction, each in a savepoint "
            f"(default {DEFAULT_PER_TRANSACTION}; a kill loses at most one group per worker).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            metavar="N",
            help=f"Groups migrated at once, each on a connection of its own (default "
            f"{DEFAULT_WORKERS}: the number of cores, at most 4).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        dry_run: bool = options["dry_run"]
        every: int = max(0, options["progress_every"])
        started = time.monotonic()
        summary = RunSummary()
        results = tenant_schemas_migrate(
            schema_name=options["schema"],
            start_after=options["start_after"],
            dry_run=dry_run,
            batch_size=max(1, options["batch_size"]),
            migrate_verbosity=max(0, verbosity - 2),
            per_transaction=max(1, options["per_transaction"]),
            workers=max(1, options["workers"]),
        )
        last_done = ""
        try:
            for result in results:
                summary.add(result)
                self._report(
                    result, summary=summary, verbosity=verbosity, every=every, dry_run=dry_run
                )
                last_done = result.schema_name
        except NotATenantSchema as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self._summarize(summary, dry_run=dry_run, seconds=time.monotonic() - started)
            resume = f", or continue with --start-after {last_done}" if last_done else ""
            raise CommandError(
                "Interrupted. Run again to resume: schemas already up to date are skipped "
                f"at one query each{resume}.",
                returncode=130,
            ) from None

        self._summarize(summary, dry_run=dry_run, seconds=time.monotonic() - started)
        if not options["skip_templates"]:
            self._templates(summary, dry_run=dry_run)
        if summary.failed:
            names = ", ".join(name for name, _error in summary.failed)
            raise CommandError(f"{len(summary.failed)} schema(s) failed: {names}")

    def _line(self, result: SchemaResult, text: str) -> str:
        width = len(str(result.total))
        return f"[{result.position:>{width}}/{result.total}] {result.schema_name}: {text}"

    def _report(
        self,
        result: SchemaResult,
        *,
        summary: RunSummary,
        verbosity: int,
        every: int,
        dry_run: bool,
    ) -> None:
        if result.outcome is Outcome.FAILED:
            self.stderr.write(self._line(result, f"FAILED — {result.error}"))
        elif result.outcome is Outcome.MIGRATED and verbosity >= 1:
            self.stdout.write(self._line(result, f"migrated ({len(result.missing)} migrations)"))
        elif result.outcome is Outcome.WOULD_MIGRATE and verbosity >= 1:
            self.stdout.write(self._line(result, f"would migrate: {', '.join(result.missing)}"))
        elif result.outcome is Outcome.UP_TO_DATE and verbosity >= 2:
            self.stdout.write(self._line(result, "up to date"))
        if verbosity >= 1 and every and result.position % every == 0:
            width = len(str(result.total))
            self.stdout.write(
                f"[{result.position:>{width}}/{result.total}] "
                f"{self._counts(summary, dry_run=dry_run)}"
            )

    @staticmethod
    def _counts(summary: RunSummary, *, dry_run: bool) -> str:
        changed = (
            f"{summary.would_migrate} would be migrated"
            if dry_run
            else f"{summary.migrated} migrated"
        )
        return f"{summary.up_to_date} up to date, {changed}, {len(summary.failed)} failed"

    def _summarize(self, summary: RunSummary, *, dry_run: bool, seconds: float) -> None:
        self.stdout.write(
            f"{summary.done} tenant schema(s) in {seconds:.1f} s: "
            f"{self._counts(summary, dry_run=dry_run)}"
        )
        for name, error in summary.failed:
            self.stdout.write(f"  failed: {name} — {error}")

    def _templates(self, summary: RunSummary, *, dry_run: bool) -> None:
        try:
            names = templates_ensure(dry_run=dry_run)
        except Exception as exc:  # reported like a failing schema; the summary still stands
            summary.failed.append(("templates", f"{type(exc).__name__}: {exc}"))
            self.stderr.write(f"templates: FAILED — {type(exc).__name__}: {exc}")
            return
        if not names:
            self.stdout.write("template schemas up to date")
        for name in names:
            self.stdout.write(f"template schema {name} {'would be ' if dry_run else ''}(re)built")
