"""A person's data export holds everything held about them, in every app: each app answers
rbac's personal_data_requested in its receivers.py, and a test walks every model that refers to
a person so a new one cannot be forgotten."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_create
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.hotel.services import stay_create
from cabinet.messaging.chat import general_thread, message_post
from cabinet.school.models import Student
from cabinet.shop.models import Address
from cabinet.wallet.models import LedgerEntry
from cabinet.wallet.services import wallet_top_up
from rbac.account import personal_data_sections
from rbac.models import AuditEntry, User
from tenants.models import Tenant
from tests.conftest import SESSION_TENANTS
from tests.factories import PASSWORD, UserFactory

# Models that refer to a person but are deliberately not read by any export section.
NOT_EXPORTED = {
    "authtoken.TokenProxy": "a proxy of authtoken.Token, which is exported",
    "guardian.UserObjectPermission": "an access grant to staff; the assignments behind it are",
    "cabinet.ClientProfileUserObjectPermission": "staff's access grant, made from an Assignment "
    "(exported as 'Who serves you')",
    "cabinet.ClientProfileGroupObjectPermission": "a group's access grant; names no person",
    "rbac.NewClientRule": "the cabinet's rule for new clients; its round-robin pointer names the "
    "staff member chosen last, which is the rule's state, not data about that person",
}


def models_referring_to_a_person() -> set[str]:
    """Every installed model with a foreign key, one-to-one or many-to-many straight to the user
    model or to the client record (which is the person as a client)."""
    people = {get_user_model(), ClientProfile}
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model in people:
                found.add(model._meta.label)
    return found


def test_every_model_that_refers_to_a_person_is_in_the_export(db):
    # given a client and a member of staff in a cabinet of each vertical (the session's)
    exported = set()
    for tenant in Tenant.objects.filter(slug__in=SESSION_TENANTS).order_by("slug"):
        with tenant_context(tenant):
            client = UserFactory()
            ClientProfile.objects.create(user=client)
            staff = UserFactory(is_staff=True)
            # when their exports' sections are built
            for person in (client, staff):
                exported |= {
                    s for section in personal_data_sections(user=person) for s in section.sources
                }

    # then every model that refers to a person is read by some section, or excused in words
    referring = models_referring_to_a_person()
    missing = referring - exported - set(NOT_EXPORTED)
    assert not missing, f"not in the personal data export: {sorted(missing)}"
    assert set(NOT_EXPORTED) <= referring, "an exclusion names a model that no longer refers"
    assert exported <= {m._meta.label for m in apps.get_models()}, "a section names no model"


def test_a_vertical_answers_only_in_its_own_cabinets_and_staff_work_only_for_staff(hotel):
    with tenant_context(hotel):
        client = UserFactory()
        ClientProfile.objects.create(user=client)
        titles = [s.title for s in personal_data_sections(user=client)]
    assert "Stays and online check-in" in titles
    assert "Addresses" not in titles
    assert "Children, their grades, attendance and homework" not in titles
    assert "Work as staff" not in titles
    assert "Work in the back office" not in titles


def test_every_section_reads_back_as_text(hotel):
    with tenant_context(hotel):
        user = UserFactory()
        ClientProfile.objects.create(user=user)
        sections = personal_data_sections(user=user)
    for section in sections:
        for record in section.records:
            assert all(isinstance(v, str) for v in record.values()), section.title


def download_json(browser: Client) -> dict:
    page = browser.get("/account/").content.decode()
    json_url = re.findall(r'href="(/account/download/[^"]+)"', page)[0]
    return json.loads(b"".join(browser.get(json_url).streaming_content))


def all_text(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_a_hotel_guest_finds_their_order_booking_chat_wallet_and_stay(
    hotel, eager_tasks, django_capture_on_commit_callbacks
):
    # given a guest who topped up, ordered, booked, wrote to reception and has a stay
    with tenant_context(hotel):
        user = UserFactory(full_name="Greta Guest")
        client = ClientProfile.objects.create(user=user, address="12 Sea Road")
        wallet_top_up(client=client, amount=Decimal("100.00"), note="Welcome")
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(
            client=client,
            wanted={item.pk: 1},
            payment="balance",
            submission_key="k1",
            note="No ice, please",
        )
        start = timezone.now() + dt.timedelta(days=3)
        event = Event.objects.create(
            title="Sunset boat trip", starts_at=start, ends_at=start + dt.timedelta(hours=2)
        )
        booking_create(event=event, client=client)
        message_post(thread=general_thread(client), author=user, body="Is the spa open late?")
        today = timezone.localdate()
        stay = stay_create(
            client=client,
            arrival=today + dt.timedelta(days=3),
            departure=today + dt.timedelta(days=6),
            by=user,
        )
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(user)

    # when they ask for their data and download it
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/account/export/")
    data = download_json(browser)

    # then it has their order, booking, chat, ledger and stay
    titles = [s["title"] for s in data["sections"]]
    for title in (
        "Orders",
        "Bookings",
        "Messages with the staff",
        "Stays and online check-in",
        "Balance, points and their ledger",
    ):
        assert title in titles
    text = all_text(data)
    assert "Bottle of champagne" in text
    assert "No ice, please" in text
    assert "Sunset boat trip" in text
    assert "Is the spa open late?" in text
    assert stay.reservation_code in text
    assert "12 Sea Road" in text
    with tenant_context(hotel):
        assert LedgerEntry.objects.filter(client=client, order=order).exists()
    ledger = next(s for s in data["sections"] if s["title"].startswith("Balance"))
    assert any(r.get("order") == str(order.pk) for r in ledger["records"])


def test_a_shop_customer_and_a_school_parent_find_their_vertical_records(shop, school):
    # given a shop customer with an address, and a parent linked to a child
    with tenant_context(shop):
        customer = UserFactory()
        Address.objects.create(
            client=ClientProfile.objects.create(user=customer),
            label="Home",
            recipient="R. Reader",
            line1="5 Book Lane",
            city="Leeds",
            postcode="LS1 1AA",
            country="GB",
        )
        shop_text = all_text({"s": [s.__dict__ for s in personal_data_sections(user=customer)]})
    with tenant_context(school):
        parent = UserFactory()
        child = Student.objects.create(full_name="Mia Parentson", pairing_code="PAIR-TEST-1")
        child.parents.add(ClientProfile.objects.create(user=parent))
        school_text = all_text({"s": [s.__dict__ for s in personal_data_sections(user=parent)]})

    # then each export has them
    assert "5 Book Lane" in shop_text
    assert "Mia Parentson" in school_text


@pytest.mark.parametrize("role", ["outsider", "other_tenant"])
def test_nobody_else_gets_the_persons_records(hotel, shop, role):
    # given a guest with an order-worthy record, and someone else
    with tenant_context(hotel):
        guest = UserFactory()
        message_post(
            thread=general_thread(ClientProfile.objects.create(user=guest)),
            author=guest,
            body="private words",
        )
        if role == "outsider":
            other = UserFactory()
            ClientProfile.objects.create(user=other)
            text = all_text({"s": [s.__dict__ for s in personal_data_sections(user=other)]})
    if role == "other_tenant":
        with tenant_context(shop):
            # the same primary key in another cabinet is another person
            other = User.objects.filter(pk=guest.pk).first() or UserFactory()
            text = all_text({"s": [s.__dict__ for s in personal_data_sections(user=other)]})
    # then their export has none of the guest's words
    assert "private words" not in text


def test_what_was_done_to_the_account_through_a_page_is_in_its_activity(hotel, hotel_client):
    # given a client who asked, through the page, for their account to be deleted
    with tenant_context(hotel):
        user = UserFactory()
        hotel_client.force_login(user)
    hotel_client.post("/account/delete/", {"password": PASSWORD})
    # when their export is built
    with tenant_context(hotel):
        sections = personal_data_sections(user=user)
    # then the entry about their account (target: request.user) is in it
    activity = next(s for s in sections if s.title == "Activity recorded for you")
    assert "account.deletion_scheduled" in [r["what"] for r in activity.records]
    with tenant_context(hotel):
        entry = AuditEntry.objects.get(action="account.deletion_scheduled", target_id=user.pk)
        assert entry.target_type == "user"


def test_the_exports_queries_do_not_grow_with_the_persons_records(hotel):
    # given a guest with one order and one message, and another with five of each
    def a_guest_with(n: int) -> User:
        user = UserFactory()
        client = ClientProfile.objects.create(user=user)
        wallet_top_up(client=client, amount=Decimal("500.00"))
        item = CatalogItem.objects.get(name="Bottle of champagne")
        for i in range(n):
            order_place(
                client=client, wanted={item.pk: 1}, payment="balance", submission_key=f"q{n}-{i}"
            )
            message_post(thread=general_thread(client), author=user, body=f"message {i}")
        return user

    with tenant_context(hotel):
        few, many = a_guest_with(1), a_guest_with(5)
        # when each one's export is built
        with CaptureQueriesContext(connection) as for_few:
            personal_data_sections(user=few)
        with CaptureQueriesContext(connection) as for_many:
            personal_data_sections(user=many)
    # then the number of queries is the same
    assert len(for_many.captured_queries) == len(for_few.captured_queries)
