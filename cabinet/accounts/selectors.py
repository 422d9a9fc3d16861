"""Reads of the client record."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cabinet.accounts.models import ClientProfile
from rbac.models import User

# --- The client's own cabinet ------------------------------------------------------------------


def client_profile_of(user: User) -> "ClientProfile":
    from cabinet.accounts.models import ClientProfile

    profile, _created = ClientProfile.objects.get_or_create(user=user)
    return profile
