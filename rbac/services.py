from django.db import transaction

from rbac.models import User


@transaction.atomic
def client_create(*, email: str, password: str, full_name: str = "", language: str = "") -> User:
    """A client of the current tenant (the connection's schema)."""
    return User.objects.create_user(
        email=email, password=password, full_name=full_name, language=language
    )
