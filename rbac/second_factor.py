from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from rbac.models import User


def totp_code_valid(user: User, code: str | None) -> bool:
    """Whether `code` is a current, unused code of the person's authenticator app."""
    if not code:
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and TOTP(authenticator).validate_code(code.strip())
