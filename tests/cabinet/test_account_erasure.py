"""Deleting an account erases the person and keeps the business's accounting records (orders,
ledger, stays, returns) anonymised for the retention period; the nightly purge never stops at a
person whose deletion fails: it reports them and carries on."""

import datetime as dt
import logging
from decimal import Decimal

import sentry_sdk
import time_machine
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import booking_create
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.hotel.models import Stay
from cabinet.hotel.services import stay_create
from cabinet.messaging.chat import general_thread, message_post
from cabinet.messaging.models import Thread
from cabinet.notifications.models import Notification
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.shop.models import Address, ReturnRequest
from cabinet.staff.kpi import kpis
from cabinet.wallet.models import LedgerEntry, Wallet
from cabinet.wallet.services import wallet_top_up
from rbac.account import ERASED_DOMAIN, accounts_purge_due
from rbac.models import AuditEntry, User
from rbac.signals import personal_data_erasing
from tests.factories import PASSWORD, UserFactory
from tests.test_sentry import sentry_events  # noqa: F401 — the fixture

LATER = dt.timedelta(days=15)  # past the grace period


def due_for_deletion(user: User) -> None:
    user.deletion_scheduled_for = timezone.now() + dt.timedelta(days=14)
    user.save(update_fields=["deletion_scheduled_for"])


def purge_later() -> int:
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + LATER):
        return accounts_purge_due()


def a_guest_who_ordered(hotel) -> tuple[User, ClientProfile, Order]:
    user = UserFactory(full_name="Greta Guest", phone="+447700900123", phone_verified=True)
    client = ClientProfile.objects.create(user=user, address="12 Sea Road", phone="+4420794601")
    wallet_top_up(client=client, amount=Decimal("100.00"))
    item = CatalogItem.objects.get(name="Bottle of champagne")
    order = order_place(
        client=client,
        wanted={item.pk: 2},
        payment="balance",
        submission_key="erase-1",
        note="for room 204",
    )
    return user, client, order


def test_a_client_who_never_ordered_is_deleted_outright(hotel):
    # given a client with nothing the business must keep
    with tenant_context(hotel):
        user = UserFactory()
        ClientProfile.objects.create(user=user)
        due_for_deletion(user)
        # when the nightly purge runs after the grace period
        assert purge_later() == 1
        # then the account and its client record are gone
        assert not User.objects.filter(pk=user.pk).exists()
        assert not ClientProfile.objects.filter(user_id=user.pk).exists()


def test_a_guest_who_ordered_is_erased_and_the_order_stays_in_revenue(
    hotel, django_capture_on_commit_callbacks
):
    # given a guest who ordered (done by staff, so it counts in the KPI revenue), booked, wrote
    # to reception, was notified and checked in online with a document photo
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        user, client, order = a_guest_who_ordered(hotel)
        for step in (Order.Status.ACCEPTED, Order.Status.DONE):
            order_set_status(order=order, to=step, by=owner, notify_client=False)
        start = timezone.now() + dt.timedelta(days=3)
        event = Event.objects.create(title="Boat", starts_at=start, ends_at=start + LATER)
        booking_create(event=event, client=client)
        message_post(thread=general_thread(client), author=user, body="my secrets")
        Notification.objects.create(user=user, event="order.status", title="Hi Greta")
        today = timezone.localdate()
        stay = stay_create(
            client=client,
            arrival=today + dt.timedelta(days=3),
            departure=today + dt.timedelta(days=5),
            by=owner,
        )
        stay.guest_name, stay.document_number = "Greta Guest", "P1234567"
        stay.document.save("passport.jpg", ContentFile(b"jpeg"), save=False)
        stay.save()
        revenue_before = Order.objects.aggregate(total=Sum("total"))["total"]
        kpi_before = [k.revenue for k in kpis(staff=User.objects.filter(pk=owner.pk), days=30)]
        email, document = user.email, stay.document.name
        assert stay.document.storage.exists(document)
        due_for_deletion(user)

        # when the nightly purge runs
        with django_capture_on_commit_callbacks(execute=True):
            assert purge_later() == 1

        # then the person is gone: no name, email, phone, address, way in or words
        user.refresh_from_db()
        assert user.email == f"deleted-{user.pk}@{ERASED_DOMAIN}"
        assert (user.full_name, user.phone, user.is_active) == ("", "", False)
        assert not user.has_usable_password()
        assert user.deletion_scheduled_for is None
        assert not EmailAddress.objects.filter(user=user).exists()
        client.refresh_from_db()
        assert (client.address, client.phone, client.birth_date) == ("", "", None)
        assert not Thread.objects.filter(client=client).exists()
        assert not Booking.objects.filter(client=client).exists()
        assert not Notification.objects.filter(user=user).exists()
        stay.refresh_from_db()
        assert (stay.guest_name, stay.document_number, stay.document.name) == ("", "", "")
        assert not stay.document.storage.exists(document)
        # and the business keeps the order, its ledger and the stay, anonymised, in its figures
        order.refresh_from_db()
        assert order.total == Decimal("90.00")
        assert order.note == ""
        assert Order.objects.aggregate(total=Sum("total"))["total"] == revenue_before
        assert kpi_before == [
            k.revenue for k in kpis(staff=User.objects.filter(pk=owner.pk), days=30)
        ]
        assert "90.00" in kpi_before[0]
        assert LedgerEntry.objects.filter(client=client, order=order).exists()
        assert Wallet.objects.get(client=client).balance == Decimal("10.00")
        assert Stay.objects.filter(pk=stay.pk, client=client).exists()
        assert AuditEntry.objects.filter(action="account.deleted").exists()
    # and nobody can sign in as them any more
    browser = Client(HTTP_HOST="hotel.localhost")
    response = browser.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert "_auth_user_id" not in browser.session
    assert response.status_code == 400  # the form's "wrong email or password"


def test_a_shop_customer_with_a_return_is_erased_and_the_return_kept(shop):
    # given a customer with an address book and a return (both PROTECT their client record)
    with tenant_context(shop):
        user = UserFactory()
        client = ClientProfile.objects.create(user=user)
        wallet_top_up(client=client, amount=Decimal("100.00"))
        Address.objects.create(
            client=client,
            label="Home",
            recipient="R. Reader",
            line1="5 Book Lane",
            city="Leeds",
            postcode="LS1",
            country="GB",
        )
        item = CatalogItem.objects.filter(is_active=True, price__lte=50).first()
        order = order_place(
            client=client, wanted={item.pk: 1}, payment="balance", submission_key="shop-erase"
        )
        returned = ReturnRequest.objects.create(
            order=order,
            client=client,
            reason="damaged",
            comment="call me on 0790",
            amount=item.price,
        )
        due_for_deletion(user)
        # when the purge runs
        assert purge_later() == 1
        # then the address book is gone, the return kept without the customer's words
        assert not Address.objects.filter(client=client).exists()
        returned.refresh_from_db()
        assert returned.comment == ""
        assert returned.amount == item.price
        assert Order.objects.filter(pk=order.pk).exists()


def test_the_purge_carries_on_past_a_person_who_fails_and_reports_them(
    hotel,
    caplog,
    sentry_events,  # noqa: F811
):
    # given three people due for deletion, the second of whom cannot be erased today
    with tenant_context(hotel):
        first, broken, third = UserFactory(), UserFactory(), UserFactory()
        for user in (first, broken, third):
            ClientProfile.objects.create(user=user, address="1 Road")
            due_for_deletion(user)
        a_guest_who_ordered(hotel)  # someone else, not due

        def fail_for_broken(sender: type, user: User, **kwargs: object) -> None:
            if user.pk == broken.pk:
                raise RuntimeError("file store unavailable")

        personal_data_erasing.connect(fail_for_broken, dispatch_uid="test-broken-erase")
        try:
            # when the nightly purge runs
            with caplog.at_level(logging.ERROR, logger="rbac.account"):
                erased = purge_later()
        finally:
            personal_data_erasing.disconnect(dispatch_uid="test-broken-erase")
        sentry_sdk.flush()

        # then the others are erased, the failing one is left whole, to be tried again
        assert erased == 2
        assert not User.objects.filter(pk__in=[first.pk, third.pk]).exists()
        broken.refresh_from_db()
        assert broken.deletion_scheduled_for is not None
        assert ClientProfile.objects.get(user=broken).address == "1 Road"
        # and the failure is reported: in the owner's audit log, the log and Sentry
        failure = AuditEntry.objects.get(action="account.deletion_failed")
        assert failure.target_id == str(broken.pk)
        assert "file store unavailable" in failure.reason
        assert not AuditEntry.objects.filter(
            action="account.deleted", actor_label=f"user {broken.pk}"
        ).exists()
        assert any(r.exc_info and str(broken.pk) in r.getMessage() for r in caplog.records)
    assert any("file store unavailable" in str(e.get("exception")) for e in sentry_events), (
        "the failure did not reach Sentry"
    )


def test_the_owner_sees_a_failed_deletion_in_the_audit_log(hotel):
    # given a failed deletion recorded by the purge
    with tenant_context(hotel):
        broken = UserFactory()
        due_for_deletion(broken)
        personal_data_erasing.connect(
            lambda sender, user, **kw: (_ for _ in ()).throw(RuntimeError("boom")),
            dispatch_uid="test-boom",
        )
        try:
            purge_later()
        finally:
            personal_data_erasing.disconnect(dispatch_uid="test-boom")
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(User.objects.get(email="owner@hotel.example.com"))
    # when the owner filters the audit log for it
    page = browser.get("/staff/audit/", {"action": "account.deletion_failed"}).content.decode()
    # then it is there
    assert "account.deletion_failed" in page
