"""`make run`'s demo content per vertical: it builds without error on a fresh cabinet of that
vertical, and gives a visitor something real to look at."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.demo import DEMO_PASSWORD_CLIENT
from cabinet.models import CatalogItem, ClientProfile, Event
from cabinet.verticals import vertical_hook
from rbac.models import User
from tests.factories import UserFactory


def seeded(tenant) -> ClientProfile:
    guest = ClientProfile.objects.create(user=UserFactory(email="demo@client.example.com"))
    owner = User.objects.get(email=f"owner@{tenant.slug}.example.com")
    vertical_hook(tenant.vertical, "demo")(guest=guest, owner=owner, password=DEMO_PASSWORD_CLIENT)
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
    from cabinet.demo import seed_feedback
    from cabinet.feedback import survey_results
    from cabinet.models import Review, Survey, WorkRequest

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
