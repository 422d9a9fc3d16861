"""`make run`'s demo content per vertical: it builds without error on a fresh cabinet of that
vertical, and gives a visitor something real to look at."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogItem
from cabinet.demo.seed import DEMO_PASSWORD_CLIENT
from cabinet.verticals import loaded, vertical_named
from rbac.models import User
from tests.factories import UserFactory


def seeded(tenant) -> ClientProfile:
    guest = ClientProfile.objects.create(user=UserFactory(email="demo@client.example.com"))
    owner = User.objects.get(email=f"owner@{tenant.slug}.example.com")
    loaded(vertical_named(tenant.vertical).demo_seed)(
        guest=guest, owner=owner, password=DEMO_PASSWORD_CLIENT
    )
    return guest


@pytest.mark.parametrize("slug", ["hotel", "shop", "school"])
def test_each_vertical_opens_with_a_dozen_services_and_events_ahead(slug, request):
    tenant = request.getfixturevalue(slug)
    with tenant_context(tenant):
        assert CatalogItem.objects.filter(is_active=True).count() >= 12
        assert Event.objects.filter(starts_at__gte=timezone.now()).count() >= 2


def test_the_demo_hotel_has_a_stay_to_check_in_and_one_to_remember(hotel):
    from cabinet.hotel.models import Stay

    with tenant_context(hotel):
        guest = seeded(hotel)
        upcoming = Stay.objects.get(client=guest, departure__gt=timezone.localdate())
        assert upcoming.can_check_in_online
        assert Stay.objects.filter(client=guest, status=Stay.Status.DEPARTED).exists()
        assert Stay.objects.exclude(client=guest).count() >= 4


def test_the_demo_shop_has_parcels_and_a_returnable_order(shop):
    from cabinet.shop.models import Shipment
    from cabinet.shop.services import returnable

    with tenant_context(shop):
        guest = seeded(shop)
        statuses = set(
            Shipment.objects.filter(order__client=guest).values_list("status", flat=True)
        )
        assert {"delivered", "in_transit", "preparing"} <= statuses
        delivered = Shipment.objects.get(order__client=guest, status="delivered").order
        assert returnable(delivered)
        assert guest.addresses.count() == 2


def test_the_demo_school_links_the_parent_to_two_children_with_grades(school):
    from cabinet.school.models import Grade, Homework, Student

    with tenant_context(school):
        guest = seeded(school)
        children = Student.objects.filter(parents=guest)
        assert children.count() == 2
        assert Grade.objects.filter(student__in=children).exists()
        assert Homework.objects.filter(due_date__gte=timezone.localdate()).exists()
        teacher = User.objects.get(email="teacher@school.example.com")
        assert teacher.classes_taught.count() == 2


def test_demo_accounts_are_never_seeded_on_a_production_server(settings):
    # their passwords are published: a server with DEBUG off refuses them (ASVS 6.3.2)
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="published passwords"):
        call_command("seed_demo")


def test_the_demo_has_reviews_to_answer_and_a_survey_with_answers(shop):
    from cabinet.demo.seed import seed_feedback
    from cabinet.feedback.models import Review, Survey
    from cabinet.feedback.services import survey_results
    from cabinet.work.models import WorkRequest

    with tenant_context(shop):
        guest = seeded(shop)
        owner = User.objects.get(email="owner@shop.example.com")
        seed_feedback(guest=guest, owner=owner, domain="shop.example.com")
        rated = Review.objects.filter(answered_at__isnull=False)
        assert rated.count() == 3
        assert rated.exclude(reply="").count() == 1
        assert WorkRequest.objects.filter(source__startswith="review:").count() == 1
        assert Review.objects.filter(client=guest, answered_at__isnull=True).exists()
        survey = Survey.objects.get(title__en="How are we doing?")
        results, invited, answered = survey_results(survey)
        assert answered == 3
        assert invited >= 4  # the demo client is asked too
        assert results[0].nps is not None


@pytest.mark.parametrize("slug", ["hotel", "shop", "school"])
def test_the_demo_kpis_are_filled_from_flows(slug, request):
    """Issue 19: the demo's activity goes through the services real use goes through, so every
    work item was opened by intake (audited, with its source) and the KPI page has real figures."""
    from django.test import Client

    from cabinet.demo.seed import demo_activity_replay, demo_tenants
    from cabinet.messaging.models import Message
    from cabinet.staff.kpi import kpis
    from cabinet.work.models import WorkRequest
    from rbac.models import AuditEntry

    tenant = request.getfixturevalue(slug)
    demo = next(d for d in demo_tenants() if d.slug == slug)
    with tenant_context(tenant):
        seeded(tenant)
        owner = User.objects.get(email=f"owner@{slug}.example.com")
        demo_activity_replay(demo=demo, owner=owner)
        items = WorkRequest.objects.all()
        assert items.count() >= 12
        assert not items.filter(source="").exists()  # every one came from a client's action
        opened = set(AuditEntry.objects.filter(action="request.opened").values_list(
            "target_id", flat=True))  # fmt: skip
        assert {str(pk) for pk in items.values_list("pk", flat=True)} <= {str(t) for t in opened}
        assert Message.objects.filter(from_staff=True).count() >= 12
        staff = User.objects.filter(email__in=[f"olga@{slug}.example.com",
                                               f"ivan@{slug}.example.com"])  # fmt: skip
        rows = kpis(staff=staff, days=30)
        assert all(row.closed >= 3 for row in rows)
        assert all(row.first_response_minutes and row.first_response_minutes > 1 for row in rows)
        assert items.filter(status__in=["new", "in_progress"]).exists()  # today's still wait
    browser = Client(HTTP_HOST=f"{slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(owner)
    page = browser.get("/staff/kpi/").content.decode()
    assert "Olga Operator" in page
    assert "Ivan Operator" in page


def test_the_three_demos_look_like_three_businesses(hotel, shop, school):
    """Each demo gets its own colours, fonts, logo, cover photo and pictures, drawn locally."""
    from cabinet.branding.services import branding_update
    from cabinet.common.images import small_name
    from cabinet.content.models import InfoPage
    from cabinet.demo.pictures import demo_pictures_seed
    from cabinet.demo.seed import demo_tenants

    looks, logos = set(), set()
    for tenant in (hotel, shop, school):
        demo = next(d for d in demo_tenants() if d.vertical == tenant.vertical)
        with tenant_context(tenant):
            branding = branding_update(**demo.look)
            demo_pictures_seed(vertical=tenant.vertical, branding=branding)
            branding.refresh_from_db()
            storage = branding.cover.storage
            assert storage.exists(small_name(branding.cover.name))
            with branding.logo.open("rb") as logo:
                logos.add(logo.read())
            looks.add((branding.primary_colour, branding.accent_colour, branding.font))
            things = [*CatalogItem.objects.all(), *Event.objects.all(),
                      *InfoPage.objects.filter(is_published=True)]  # fmt: skip
            assert things
            assert all(t.image and storage.exists(small_name(t.image.name)) for t in things)
    assert len(looks) == 3
    assert len(logos) == 3
