"""One view behind three prefixes, so only the middleware in front of it differs."""

from django.urls import path

from tests.bench.dispatch import trivial_view

urlpatterns = [
    path("bench/ours/", trivial_view),
    path("bench/stock/", trivial_view),
    path("bench/bare/", trivial_view),
]
