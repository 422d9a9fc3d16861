"""An authenticator's current code for tests, taken early enough in its 30 seconds to still be
good when the server reads it: a code is valid for its own step only (MFA_TOTP_TOLERANCE = 0)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def current_code(secret: str, *, margin: float = 8.0) -> str:
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
