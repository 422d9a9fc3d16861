import getpass
import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from tenants.models import Tenant, TenantStatus
from tenants.schema_templates import TemplateOutOfDate
from tenants.services import OwnerSpec, platform_domain_for, tenant_provision
from tenants.verticals import vertical_keys

# A cabinet is created live or on trial; other statuses are reached through the lifecycle.
CREATION_STATUSES = (TenantStatus.TRIAL, TenantStatus.ACTIVE)


def cabinet_url(tenant: Tenant) -> str:
    """Where the new cabinet answers; in development (`*.localhost`) on `make run`'s port."""
    host = platform_domain_for(tenant.slug)
    domain = settings.PLATFORM_DOMAIN
    if domain == "localhost" or domain.endswith(".localhost"):
        host = f"{host}:{os.environ.get('PORT', '8000')}"
    return f"{'https' if settings.SECURE_COOKIES else 'http'}://{host}/"


class Command(BaseCommand):
    help = (
        "Create a cabinet: its tenant row, domain and schema (cloned from the vertical's "
        "template) and its owner's account. Prompts for the owner's password on a terminal."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--slug", required=True, help="The cabinet's address: <slug>.<domain>.")
        parser.add_argument("--name", required=True, help="The business's name.")
        parser.add_argument("--vertical", required=True, choices=vertical_keys())
        parser.add_argument("--owner-email", required=True)
        parser.add_argument(
            "--owner-password",
            default=None,
            help="Omit to be prompted (on a terminal); a command line may be seen by others.",
        )
        parser.add_argument("--owner-name", default="", help="The owner's full name.")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
        )
        parser.add_argument(
            "--status", default=TenantStatus.TRIAL, choices=[str(s) for s in CREATION_STATUSES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = " ".join(options["name"].split())
        if not name:
            raise CommandError("Enter the business's name (--name).")
        email = options["owner_email"].strip()
        password = options["owner_password"]
        if password is None:
            password = self._prompt_password()
        try:
            validate_email(email)
            password_validation.validate_password(password, get_user_model()(email=email))
            tenant = tenant_provision(
                slug=options["slug"],
                name=name,
                vertical=options["vertical"],
                owner=OwnerSpec(email=email, password=password, full_name=options["owner_name"]),
                language=options["language"],
                status=options["status"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except TemplateOutOfDate as exc:
            raise CommandError(f"{exc} (run `manage.py platform_setup`)") from exc
        self.stdout.write(f"Created {tenant.name} (schema {tenant.schema_name})")
        self.stdout.write(f"  cabinet  {cabinet_url(tenant)}")
        self.stdout.write(f"  owner    {email}")

    def _prompt_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("Give --owner-password, or run on a terminal to be prompted for it.")
        password = getpass.getpass("Owner's password: ")
        if password != getpass.getpass("Owner's password (again): "):
            raise CommandError("The passwords do not match.")
        return password
