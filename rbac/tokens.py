from tenants import signing


class TenantPasswordResetTokenGenerator(signing.SchemaPasswordResetTokenGenerator):
    """Password reset links name the cabinet they were made in: the schema is in the HMAC's salt
    (tenants.signing), so a link from one tenant means nothing on another, even for a user with
    the same id, email and password there."""

    purpose = "rbac.password-reset"
