"""Loyalty that does what it says: the tier's discount in every quote as its own line, points
by the owner's rule, clubs joined and left (by the client or staff) with club prices, offers for
a client, a tier, a club or a segment redeemed by code within their limits, and the figures per
offer on the KPI page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.models import OfferRedemption
from cabinet.checkout.placing import checkout_confirm
from cabinet.checkout.services import (
    checkout_open_booking,
    checkout_open_order,
    checkout_refund,
    checkout_set_code,
    price,
)
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.wallet.models import Club, LoyaltySettings, Offer, Tier, Wallet
from cabinet.wallet.services import points_earn_for, wallet_top_up
from rbac.models import AuditEntry, User
from rbac.roles import role_set
from tests.factories import UserFactory


def signed_in(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def a_client(balance: str = "200.00", **profile) -> ClientProfile:
    client = ClientProfile.objects.create(user=UserFactory(), **profile)
    wallet_top_up(client=client, amount=Decimal(balance))
    return client


def spent(client: ClientProfile, amount: str) -> None:
    """History: a finished order worth `amount` (what tiers are reached by)."""
    Order.objects.create(client=client, status=Order.Status.DONE, payment="on_site",
                         subtotal=Decimal(amount), total=Decimal(amount),
                         submission_key=f"history-{client.pk}-{amount}")  # fmt: skip


def champagne() -> CatalogItem:
    return CatalogItem.objects.get(name="Bottle of champagne")


def an_offer(**fields) -> Offer:
    defaults = {"title": "Spring", "valid_until": timezone.now() + dt.timedelta(days=5)}
    return Offer.objects.create(**{**defaults, **fields})


@pytest.fixture
def owner(hotel) -> User:
    with tenant_context(hotel):
        return User.objects.get(email="owner@hotel.example.com")


# --- Tiers ---------------------------------------------------------------------------------


def test_a_gold_client_gets_5_percent_off_champagne_as_its_own_line(hotel):
    # given a client who spent 500 (Gold, 5 %) and one who spent nothing
    with tenant_context(hotel):
        gold, new = a_client(), a_client()
        spent(gold, "500.00")
        gold_quote = price(client=gold, wanted={champagne().pk: 1})
        new_quote = price(client=new, wanted={champagne().pk: 1})
    # then the Gold client's quote has a discount line, and the total follows it
    assert [(line.kind, line.amount) for line in gold_quote.lines] == [
        ("item", Decimal("45.00")), ("tier", Decimal("-2.25")),
    ]  # fmt: skip
    assert "Gold" in gold_quote.lines[1].label
    assert gold_quote.total == Decimal("42.75")
    assert new_quote.total == Decimal("45.00")
    # and the review page shows it to the client
    browser = signed_in(hotel, gold.user)
    with tenant_context(hotel):
        checkout = checkout_open_order(client=gold, wanted={champagne().pk: 1})
    page = browser.get(f"/checkout/{checkout.token}/").content.decode()
    assert "Gold discount, 5 %" in page
    assert "-€2.25" in page
    assert "€42.75" in page


def test_the_tier_discount_applies_to_paid_events_too(hotel):
    with tenant_context(hotel):
        platinum = a_client()
        spent(platinum, "2000.00")
        start = timezone.now() + dt.timedelta(days=2)
        trip = Event.objects.create(title="Boat trip", price=Decimal("25.00"), starts_at=start,
                                    ends_at=start + dt.timedelta(hours=2))  # fmt: skip
        checkout = checkout_open_booking(client=platinum, event=trip, seats=2)
        paid = checkout_confirm(checkout=checkout, payment="balance")
        assert paid.total == Decimal("45.00")  # 50.00 less 10 %
        assert [line["kind"] for line in paid.lines] == ["event", "tier"]


# --- Points by the owner's rule --------------------------------------------------------------


def test_points_are_earned_by_the_owners_percent_on_what_was_kept(hotel, owner):
    with tenant_context(hotel):
        LoyaltySettings.objects.create(earn_percent=10)
        client = a_client()
        paid = checkout_confirm(
            checkout=checkout_open_order(client=client, wanted={champagne().pk: 2}),
            payment="balance",
        )
        checkout_refund(checkout=paid, amount=Decimal("40.00"), by=owner, reason="one warm")
        order = paid.order
        for to in ("accepted", "done"):
            order = order_set_status(order=order, to=to, by=owner)
        points_earn_for(order=order)
        points_earn_for(order=order)
        assert Wallet.objects.get(client=client).points == 50  # 10 % of 50.00 kept, 10 a euro


def test_the_owner_sets_the_rules_and_others_cannot(hotel, owner):
    with tenant_context(hotel):
        manager = UserFactory(is_staff=True)
        role_set(user=manager, role="manager")
    desk = signed_in(hotel, owner)
    assert desk.get("/staff/loyalty/").status_code == 200
    response = desk.post("/staff/loyalty/", {"earn_percent": "8", "earn_on_bookings": "on"})
    assert response.status_code == 303
    assert desk.post("/staff/loyalty/", {"earn_percent": "80"}).status_code == 400
    assert desk.post("/staff/loyalty/", {"earn_percent": "many"}).status_code == 400
    with tenant_context(hotel):
        rules = LoyaltySettings.objects.get()
        assert (rules.on_site_allowed, rules.earn_percent, rules.earn_on_bookings) == (
            False, 8, True,
        )  # fmt: skip
        assert AuditEntry.objects.filter(action="loyalty.settings").exists()
    assert (
        signed_in(hotel, manager).post("/staff/loyalty/", {"earn_percent": "1"}).status_code == 403
    )


# --- Clubs -----------------------------------------------------------------------------------


def test_a_client_joins_and_leaves_an_open_club_and_gets_its_price(hotel):
    # given an open club with 10 % club prices and a closed one
    with tenant_context(hotel):
        client = a_client()
        family = Club.objects.create(name="Family", discount_percent=10, perks="Kids eat free")
        vip = Club.objects.create(name="VIP", is_open=False)
    browser = signed_in(hotel, client.user)
    page = browser.get("/loyalty/").content.decode()
    assert "Family" in page
    assert "Kids eat free" in page
    assert "VIP" not in page
    # when they join
    browser.post(f"/loyalty/clubs/{family.pk}/join/")
    refused = browser.post(f"/loyalty/clubs/{vip.pk}/join/", follow=True)
    assert "through the staff" in refused.content.decode()
    with tenant_context(hotel):
        assert list(client.clubs.all()) == [family]
        quote = price(client=client, wanted={champagne().pk: 1})
        assert [(ln.kind, ln.amount) for ln in quote.lines][1] == ("club", Decimal("-4.50"))
    # when they leave
    browser.post(f"/loyalty/clubs/{family.pk}/leave/")
    with tenant_context(hotel):
        assert not client.clubs.exists()
    assert browser.post("/loyalty/clubs/999999/join/").status_code == 404
    assert browser.post(f"/loyalty/clubs/{family.pk}/dance/").status_code == 404


def test_staff_add_and_remove_members_of_the_clients_they_may_see(hotel, owner):
    with tenant_context(hotel):
        client = a_client()
        vip = Club.objects.create(name="VIP", is_open=False)
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role="operator")
    desk = signed_in(hotel, owner)
    desk.post(f"/staff/clubs/{vip.pk}/members/", {"email": client.user.email})
    assert client.user.full_name in desk.get(f"/staff/clubs/{vip.pk}/members/").content.decode()
    desk.post(f"/staff/clubs/{vip.pk}/members/", {"email": "nobody@x.com"})
    told = desk.get(f"/staff/clubs/{vip.pk}/members/").content.decode()
    assert "None of your clients" in told
    with tenant_context(hotel):
        assert list(vip.members.all()) == [client]
    desk.post(f"/staff/clubs/{vip.pk}/members/", {"remove": str(client.pk)})
    with tenant_context(hotel):
        assert not vip.members.exists()
    assert signed_in(hotel, operator).get(f"/staff/clubs/{vip.pk}/members/").status_code == 403
    assert desk.post(f"/staff/clubs/{vip.pk}/members/", {"remove": "x"}).status_code == 404


# --- Offers and codes ------------------------------------------------------------------------


def test_an_offer_code_is_redeemed_at_checkout_as_its_own_line(hotel):
    # given a personal offer with a code
    with tenant_context(hotel):
        client = a_client()
        offer = an_offer(title="Welcome back", client=client, code="GRETA10", discount_percent=10)
        checkout = checkout_open_order(client=client, wanted={champagne().pk: 2})
    browser = signed_in(hotel, client.user)
    assert "GRETA10" in browser.get("/loyalty/").content.decode()
    # when they type it (in lower case, with a space) at checkout
    browser.post(f"/checkout/{checkout.token}/code/", {"code": "greta 10"})
    page = browser.get(f"/checkout/{checkout.token}/").content.decode()
    assert "Welcome back" in page
    assert "-€9.00" in page
    assert "€81.00" in page
    browser.post(f"/checkout/{checkout.token}/pay/", {"payment": "balance"})
    # then it is redeemed once, with what it took off and brought in
    with tenant_context(hotel):
        used = OfferRedemption.objects.get(offer=offer)
        assert (used.discount, used.revenue) == (Decimal("9.00"), Decimal("81.00"))
        assert Offer.objects.get(pk=offer.pk).uses == 1
        again = checkout_open_order(client=client, wanted={champagne().pk: 1})
        with pytest.raises(ValidationError, match="already used"):
            checkout_set_code(checkout=again, code="GRETA10")


@pytest.mark.parametrize(
    ("target", "reachable"),
    [("client", True), ("other_client", False), ("tier", True), ("other_tier", False),
     ("club", True), ("other_club", False), ("segment", True), ("other_segment", False),
     ("everyone", True)],
)  # fmt: skip
def test_an_offer_reaches_only_its_target(hotel, target, reachable):
    with tenant_context(hotel):
        client = a_client(birth_date=dt.date(1990, timezone.localdate().month, 1))
        spent(client, "600.00")  # Gold, and not new
        other = a_client()
        mine, theirs = Club.objects.create(name="Mine"), Club.objects.create(name="Theirs")
        mine.members.add(client)
        targets = {
            "client": {"client": client}, "other_client": {"client": other},
            "tier": {"tier": Tier.objects.get(name="Gold")},
            "other_tier": {"tier": Tier.objects.get(name="Platinum")},
            "club": {"club": mine}, "other_club": {"club": theirs},
            "segment": {"segment": "birthday"}, "other_segment": {"segment": "new"},
            "everyone": {},
        }  # fmt: skip
        an_offer(code="TARGET", discount_amount=Decimal("5.00"), **targets[target])
        checkout = checkout_open_order(client=client, wanted={champagne().pk: 1})
        if reachable:
            assert checkout_set_code(checkout=checkout, code="TARGET").total == Decimal("37.75")
        else:
            with pytest.raises(ValidationError, match="not for your account"):
                checkout_set_code(checkout=checkout, code="TARGET")


def test_expired_used_up_and_unknown_codes_are_refused_in_words(hotel):
    with tenant_context(hotel):
        client = a_client()
        an_offer(code="OLD", discount_percent=10, valid_until=timezone.now() - dt.timedelta(1))
        full = an_offer(code="FULL", discount_percent=10, max_uses=1)
        Offer.objects.filter(pk=full.pk).update(uses=1)
        checkout = checkout_open_order(client=client, wanted={champagne().pk: 1})
    browser = signed_in(hotel, client.user)
    for code, words in (("OLD", "expired"), ("FULL", "used up"), ("NOPE", "no such code")):
        page = browser.post(f"/checkout/{checkout.token}/code/", {"code": code}, follow=True)
        assert words in page.content.decode()
    with tenant_context(hotel):
        checkout.refresh_from_db()
        assert checkout.code == ""


def test_a_full_refund_gives_the_use_back_and_kpis_count_what_was_kept(hotel, owner):
    with tenant_context(hotel):
        offer = an_offer(title="Summer", code="SUMMER", discount_amount=Decimal("5"), max_uses=2,
                         max_uses_per_client=5)  # fmt: skip
        client = a_client()
        paid = []
        for _n in range(2):
            checkout = checkout_open_order(client=client, wanted={champagne().pk: 1})
            checkout_set_code(checkout=checkout, code="SUMMER")
            paid.append(checkout_confirm(checkout=checkout, payment="balance"))
        checkout_refund(checkout=paid[0], by=owner, reason="cancelled")
        assert Offer.objects.get(pk=offer.pk).uses == 1
    page = signed_in(hotel, owner).get("/staff/kpi/").content.decode()
    assert "Summer" in page
    assert "SUMMER" in page
    assert "€40.00" in page  # revenue: the one kept checkout
    assert "€5.00" in page


def test_kpi_offer_figures_are_for_the_owner_and_admins_only(hotel):
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role="operator")
    assert (
        "Offers and promo codes"
        not in signed_in(hotel, operator).get("/staff/kpi/").content.decode()
    )


# --- Staff editors ---------------------------------------------------------------------------


def test_the_owner_makes_a_personal_offer_with_a_code_and_limits(hotel, owner):
    with tenant_context(hotel):
        client = a_client()
    desk = signed_in(hotel, owner)
    until = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "For Greta", "code": "greta5", "discount_percent": "5",
            "discount_amount": "0", "client_email": client.user.email, "max_uses": "1",
            "max_uses_per_client": "1", "valid_until": until, "is_active": "on"}  # fmt: skip
    assert desk.post("/staff/content/offers/new/", data).status_code == 302
    with tenant_context(hotel):
        offer = Offer.objects.get(title="For Greta")
        assert (offer.code, offer.client, offer.max_uses) == ("GRETA5", client, 1)
    twice = desk.post("/staff/content/offers/new/", {**data, "title": "Again"})
    assert twice.status_code == 400  # the code is taken
    nobody = desk.post("/staff/content/offers/new/",
                       {**data, "code": "X1", "client_email": "nobody@example.com"})  # fmt: skip
    assert "No client has this email" in nobody.content.decode()


def test_an_offer_for_a_client_and_a_club_at_once_is_refused(hotel, owner):
    with tenant_context(hotel):
        client = a_client()
        club = Club.objects.create(name="Family")
    until = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = signed_in(hotel, owner).post("/staff/content/offers/new/", {
        "title": "Both", "discount_percent": "5", "discount_amount": "0",
        "client_email": client.user.email, "club": str(club.pk), "max_uses_per_client": "1",
        "valid_until": until,
    })  # fmt: skip
    assert response.status_code == 400
    assert "one target at most" in response.content.decode()


def test_the_owner_edits_a_clubs_price_and_perks(hotel, owner):
    desk = signed_in(hotel, owner)
    data = {"name": "Regulars", "description": "", "discount_percent": "7", "perks": "Late exit",
            "is_open": "on"}  # fmt: skip
    assert desk.post("/staff/content/clubs/new/", data).status_code == 302
    assert (
        desk.post(
            "/staff/content/clubs/new/", {**data, "name": "Bad", "discount_percent": "95"}
        ).status_code
        == 400
    )
    with tenant_context(hotel):
        club = Club.objects.get(name="Regulars")
        assert (club.discount_percent, club.perks, club.is_open) == (7, "Late exit", True)
