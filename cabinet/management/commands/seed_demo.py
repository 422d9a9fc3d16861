import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cabinet.demo.seed import (
    DEMO_ADMIN_EMAIL,
    DEMO_PASSWORD_ADMIN,
    DEMO_PASSWORD_CLIENT,
    DEMO_PASSWORD_OWNER,
    DEMO_PASSWORD_STAFF,
    DEMO_STAFF,
    demo_tenants,
    demo_url,
    seed_demo_tenant,
    seed_platform_admin,
)


class Command(BaseCommand):
    help = "Create the demo tenants (one per vertical) unless they exist; print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--published-passwords", action="store_true",
            help="Seed even with DEBUG off (a load or fuzz run on a scratch database): the demo "
            "accounts' passwords are printed and in the source, so never on a real server.",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["published_passwords"]:
            raise CommandError(
                "The demo accounts have published passwords: seed_demo runs only with DEBUG on "
                "(make run), or with --published-passwords on a scratch database."
            )
        port = os.environ.get("PORT", "8000")
        platform = f"http://localhost:{port}"
        lines = ["", "Demo cabinets (sign in with email and password):"]
        for demo in demo_tenants():
            created = seed_demo_tenant(demo)
            state = "created" if created else "kept as it was"
            lines += [
                f"  {demo.name} ({state})",
                f"    cabinet  {demo_url(demo, port)}",
                f"    client   {demo.client_email} / {DEMO_PASSWORD_CLIENT}",
                f"    owner    {demo.owner_email} / {DEMO_PASSWORD_OWNER}   "
                f"(back office: {demo_url(demo, port)}staff/)",
                "    staff    "
                + ", ".join(
                    f"{local}@{demo.slug}.example.com" + (" (manager)" if manages else "")
                    for local, _name, manages in DEMO_STAFF
                )
                + f" / {DEMO_PASSWORD_STAFF}",
            ]
        admin_created = seed_platform_admin()
        lines += [
            "",
            f"  Platform: {platform}/   sign a business up: {platform}/signup/",
            f"  Control panel: {platform}/control/   {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD_ADMIN}"
            + ("  (set up two-factor sign-in at first sign-in)" if admin_created else ""),
            f"  API docs: {platform}/api/docs/ (on every host)   emails: .data/mail/",
            "",
        ]
        self.stdout.write("\n".join(lines))
