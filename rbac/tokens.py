from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection


class TenantPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """Password reset links name the cabinet they were made in: a link from one tenant means
    nothing on another, even for a user with the same id there."""

    key_salt = "kabinet.rbac.tokens.TenantPasswordResetTokenGenerator"

    def _make_hash_value(self, user: object, timestamp: int) -> str:
        return f"{connection.schema_name}:{super()._make_hash_value(user, timestamp)}"
