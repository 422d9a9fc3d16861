from django.http import HttpRequest

from rbac.sessions import sessions_offer_pending


def sessions_offer(request: HttpRequest) -> dict[str, str | None]:
    """After a second factor was added or removed: the account pages offer to end the person's
    other sessions (frontend_templates/usersessions/_offer.html)."""
    return {"sessions_offer": sessions_offer_pending(request)}
