"""The benchmark's only middleware: picks the tenancy middleware (if any) by path prefix."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.middleware import TenantRoutingMiddleware
from tests.bench.variants import OURS_PREFIX, RESPONSE_BODY, STOCK_PREFIX

GetResponse = Callable[[HttpRequest], HttpResponse]


def trivial_view(request: HttpRequest) -> HttpResponse:
    """Touches neither the database nor the session: what is left is the routing cost."""
    return HttpResponse(RESPONSE_BODY, content_type="text/plain")


class BenchDispatchMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.ours = TenantRoutingMiddleware(get_response)
        self.stock = TenantMainMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(OURS_PREFIX):
            return self.ours(request)
        if path.startswith(STOCK_PREFIX):
            return self.stock(request)
        # /bench/bare/ and anything else: no tenancy at all; the connection keeps its schema.
        return self.get_response(request)
