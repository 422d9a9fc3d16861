"""Run the hourly dunning and trial check now: `manage.py advance_dunning [--days-ahead N]`.

`--days-ahead` judges the clocks as if N days had passed (a rehearsal of what the coming days
will do, or a demo of the whole dunning path on `make run`); the moves it makes are real."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from billing.subscriptions import dunning_advance


class Command(BaseCommand):
    help = "Move tenants with failing payments (and ended trials) along the dunning path now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days-ahead", type=float, default=0.0)

    def handle(self, *args: object, days_ahead: float, **options: object) -> None:
        if not 0 <= days_ahead <= 365:
            self.stderr.write("--days-ahead must be between 0 and 365")
            raise SystemExit(2)
        moves = dunning_advance(now=timezone.now() + dt.timedelta(days=days_ahead))
        for slug, status in moves:
            self.stdout.write(f"{slug} -> {status}")
        if not moves:
            self.stdout.write("nothing to move")
