from django.http import HttpRequest

from rbac.sessions import sessions_offer_pending


def sessions_offer(request: HttpRequest) -> dict[str, str | None]:
    """After a password or a second factor changed: the account pages offer to end the person's
    other sessions (frontend_templates/usersessions/_offer.html)."""
    return {"sessions_offer": sessions_offer_pending(request)}
