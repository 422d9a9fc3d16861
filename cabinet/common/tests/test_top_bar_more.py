"""The wide top bar shows the first three of the client's "more" pages and folds the rest under
its own More, which is marked when the page shown is one of those folded away."""

import re

from django_tenants.utils import tenant_context

from tests.factories import UserFactory


def _top_bar_more(html: str) -> str:
    return re.search(r'<details class="topbar-more">\s*<summary[^>]*>', html).group(0)


def test_the_top_bar_more_is_marked_on_a_folded_page_only(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        hotel_client.force_login(guest)

    home = hotel_client.get("/").content.decode()
    balance = hotel_client.get("/wallet/").content.decode()

    assert 'class="current"' not in _top_bar_more(home)
    assert 'class="current" aria-current="true"' in _top_bar_more(balance)
