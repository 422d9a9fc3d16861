import os
from typing import Any

from django.core.management.base import BaseCommand

from cabinet.demo import (
    DEMO_PASSWORD_CLIENT,
    DEMO_PASSWORD_OWNER,
    DEMO_TENANTS,
    demo_url,
    seed_demo_tenant,
)


class Command(BaseCommand):
    help = "Create the demo tenants (hotel, shop, school) unless they exist; print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000")
        lines = ["", "Demo cabinets (sign in with email and password):"]
        for demo in DEMO_TENANTS:
            created = seed_demo_tenant(demo)
            state = "created" if created else "kept as it was"
            lines += [
                f"  {demo.name} ({state})",
                f"    cabinet  {demo_url(demo, port)}",
                f"    client   {demo.client_email} / {DEMO_PASSWORD_CLIENT}",
                f"    owner    {demo.owner_email} / {DEMO_PASSWORD_OWNER}",
            ]
        lines += [
            f"  Platform: http://localhost:{port}/   API docs: http://localhost:{port}/api/docs/",
            "",
        ]
        self.stdout.write("\n".join(lines))
