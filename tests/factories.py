from typing import Any

import factory
from allauth.account.models import EmailAddress

from rbac.models import User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A client of whatever tenant the connection is in (use inside tenant_context)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def email_verified(self, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        """A verified primary address, as after a completed signup (pass False for one that
        still waits for its confirmation)."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )
