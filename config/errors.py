"""The URLconfs' error handlers: the API answers what went wrong as JSON with a `detail`, never
an HTML page (its 409 for a well-formed request the cabinet's state turns down is
cabinet.rest.refused; 400 stays for requests that are malformed, so an integration can tell "fix
the request" from "the world has changed").

The handlers (`bad_request`, `permission_denied`, `page_not_found`, `server_error`)
answer JSON under /api/ (a path that names no endpoint, such as /api/v1/orders/abc/, is still an
API caller's 404) and elsewhere a page in the cabinet's own look and the visitor's language,
with a way on: a 403 says whom to ask.
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

from rbac.selectors import owner_contact

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    context = {"exception": exception, "ask": None}
    if user is not None and user.is_authenticated and user.is_staff and tenant is not None:
        owner = owner_contact()
        context["ask"] = owner if owner is not None and owner.pk != user.pk else None
    return HttpResponse(render_to_string("403.html", context, request), status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    try:  # in the cabinet's look when that can still be read; plain otherwise
        return HttpResponse(render_to_string("500.html", {}, request), status=500)
    except Exception:  # the page for an error must not fail in turn
        logger.exception("the branded error page failed; answering with the plain one")
        return defaults.server_error(request, template_name="500_plain.html")
