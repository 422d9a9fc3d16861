"""How the API answers what went wrong: JSON with a `detail`, never an HTML page.

`refused` is the answer to a well-formed request that the cabinet's present state turns down
(sold out, too late, not enough balance, not a move this order can make): 409 Conflict, with the
reason. 400 stays for requests that are malformed, so an integration can tell "fix the request"
from "the world has changed".

`page_not_found` and `server_error` are the URLconfs' handlers: under /api/ they answer JSON
(a path that names no endpoint, such as /api/v1/orders/abc/, is still an API caller's 404).
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response

API_PREFIX = "/api/"


def refused(exc: ValidationError) -> Response:
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    return defaults.server_error(request)
