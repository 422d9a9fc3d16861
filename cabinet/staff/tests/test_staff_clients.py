"""The staff policy, role by role: who sees which client, masked or not, within quota, every
read audited, nothing from another tenant."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.staff.services import client_assign
from rbac.models import AuditEntry, StaffProfile, Team, User
from rbac.roles import role_set
from tests.factories import UserFactory

PHONE = "+44 20 7946 0958"


@dataclass
class Office:
    owner: User
    admin: User
    manager: User
    operator: User
    other_operator: User
    viewer: User
    clients: list[ClientProfile]


def make_client(n: int, **fields) -> ClientProfile:
    user = UserFactory(email=f"client{n}@guest.example.com", full_name=f"Client Number{n}")
    return ClientProfile.objects.create(user=user, phone=PHONE, address=f"{n} Sea Road", **fields)


@pytest.fixture
def office(hotel) -> Office:
    with tenant_context(hotel):
        team = Team.objects.create(name="Front desk")
        staff = {}
        for name, role, team_id in (
            ("admin", StaffProfile.Role.ADMIN, None),
            ("manager", StaffProfile.Role.MANAGER, team.pk),
            ("operator", StaffProfile.Role.OPERATOR, team.pk),
            ("other_operator", StaffProfile.Role.OPERATOR, None),
            ("viewer", StaffProfile.Role.VIEWER, None),
        ):
            user = UserFactory(
                email=f"{name}@hotel.example.com", full_name=name.title(), is_staff=True
            )
            role_set(user=user, role=role, team_id=team_id)
            staff[name] = user
        owner = User.objects.get(email="owner@hotel.example.com")
        clients = [make_client(n) for n in range(5)]
        for client, who in zip(
            clients[:3], ("operator", "operator", "other_operator"), strict=True
        ):
            client_assign(client=client, staff=staff[who], by=owner)
        return Office(owner=owner, clients=clients, **staff)


def as_(hotel, user: User) -> Client:
    client = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        client.force_login(user)
    return client


def listed(client: Client) -> str:
    return client.get("/staff/clients/").content.decode()


def test_an_operator_sees_exactly_their_clients_with_phones_masked(hotel, office):
    page = listed(as_(hotel, office.operator))
    assert "Client Number0" in page
    assert "Client Number1" in page
    assert "Client Number2" not in page
    assert "Client Number3" not in page
    assert PHONE not in page
    assert "••• 58" in page
    assert "client0@guest.example.com" not in page


def test_an_unassigned_client_is_404_exactly_like_a_missing_one(hotel, office):
    operator = as_(hotel, office.operator)
    assert operator.get(f"/staff/clients/{office.clients[2].pk}/").status_code == 404
    assert operator.get("/staff/clients/999999999/").status_code == 404
    assert operator.get("/staff/clients/99999999999999999999/").status_code == 404
    assert operator.get("/staff/clients/-1/").status_code == 404


def test_a_manager_sees_the_teams_clients_and_an_admin_sees_all_unmasked(hotel, office):
    page = listed(as_(hotel, office.manager))
    assert "Client Number0" in page
    assert "Client Number2" not in page  # assigned outside the team
    admin_page = listed(as_(hotel, office.admin))
    assert all(f"Client Number{n}" in admin_page for n in range(5))
    assert PHONE not in admin_page  # minimal data: masked for everyone until revealed


def test_a_viewer_with_nothing_assigned_sees_nobody(hotel, office):
    assert "Client Number" not in listed(as_(hotel, office.viewer))


def test_clients_never_see_the_back_office(hotel, office):
    with tenant_context(hotel):
        guest = office.clients[0].user
    assert as_(hotel, guest).get("/staff/clients/").status_code == 403


def test_reveal_needs_the_permission_and_a_reason_and_is_audited(hotel, office):
    client_id = office.clients[0].pk
    with tenant_context(hotel):
        client_assign(client=office.clients[3], staff=office.viewer, by=office.owner)
    viewer = as_(hotel, office.viewer)
    denied = viewer.post(
        f"/staff/clients/{office.clients[3].pk}/reveal/", {"field": "phone", "reason": "x" * 5}
    )
    assert denied.status_code == 403  # a viewer may not reveal
    manager = as_(hotel, office.manager)
    assert (
        manager.post(
            f"/staff/clients/{client_id}/reveal/", {"field": "phone", "reason": ""}
        ).status_code
        == 400
    )
    assert (
        manager.post(
            f"/staff/clients/{client_id}/reveal/", {"field": "password", "reason": "abc"}
        ).status_code
        == 400
    )
    shown = manager.post(
        f"/staff/clients/{client_id}/reveal/", {"field": "phone", "reason": "calling back"}
    )
    assert PHONE in shown.content.decode()
    with tenant_context(hotel):
        entry = AuditEntry.objects.get(action="client.revealed")
        assert (entry.actor_id, entry.reason, entry.changes) == (
            office.manager.pk,
            "calling back",
            {"field": "phone"},
        )


def test_every_read_of_a_client_leaves_an_audit_row(hotel, office):
    operator = as_(hotel, office.operator)
    operator.get(f"/staff/clients/{office.clients[0].pk}/")
    operator.get("/staff/clients/")
    with tenant_context(hotel):
        viewed = AuditEntry.objects.get(action="client.viewed")
        assert viewed.target_id == str(office.clients[0].pk)
        assert viewed.actor_id == office.operator.pk
        listing = AuditEntry.objects.get(action="clients.listed")
        assert sorted(listing.changes["ids"]) == sorted(c.pk for c in office.clients[:2])


def test_the_read_quota_stops_a_crawl_and_tells_the_owner_once(
    hotel, office, eager_tasks, django_capture_on_commit_callbacks
):
    with tenant_context(hotel):
        for client in office.clients:
            client_assign(client=client, staff=office.operator, by=office.owner)
        StaffProfile.objects.filter(user=office.operator).update(read_quota_per_hour=3)
    operator = as_(hotel, office.operator)
    with django_capture_on_commit_callbacks(execute=True):
        codes = [operator.get(f"/staff/clients/{c.pk}/").status_code for c in office.clients]
    assert codes == [200, 200, 200, 429, 429]
    (alert,) = [m for m in mail.outbox if "read limit" in m.subject]
    assert alert.to == ["owner@hotel.example.com"]
    assert operator.get(f"/staff/clients/{office.clients[0].pk}/").status_code == 200  # seen
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="staff.read_quota_exceeded").count() == 1


def test_reassignment_moves_the_object_permission_in_one_step(hotel, office):
    moved = office.clients[2]
    with tenant_context(hotel):
        client_assign(client=moved, staff=office.operator, by=office.admin)
    assert as_(hotel, office.operator).get(f"/staff/clients/{moved.pk}/").status_code == 200
    assert as_(hotel, office.other_operator).get(f"/staff/clients/{moved.pk}/").status_code == 404


def test_only_permitted_staff_assign(hotel, office):
    operator = as_(hotel, office.operator)
    response = operator.post(
        f"/staff/clients/{office.clients[0].pk}/assign/", {"staff": office.other_operator.pk}
    )
    assert response.status_code == 403


def test_export_is_its_own_permission_watermarked_and_limited(hotel, office):
    assert as_(hotel, office.operator).post("/staff/clients/export/").status_code == 403
    admin = as_(hotel, office.admin)
    body = admin.post("/staff/clients/export/").content.decode("utf-8-sig")
    assert body.startswith("# Exported by admin@hotel.example.com at ")
    assert body.count("\n") == 2 + 5
    admin.post("/staff/clients/export/")
    admin.post("/staff/clients/export/")
    assert admin.post("/staff/clients/export/").status_code == 429
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="clients.exported").count() == 3


def test_long_inactive_clients_drop_out_of_operators_views(hotel, office):
    with tenant_context(hotel):
        ClientProfile.objects.filter(pk=office.clients[0].pk).update(
            last_activity_at=timezone.now() - dt.timedelta(days=400)
        )
    assert "Client Number0" not in listed(as_(hotel, office.operator))
    assert "Client Number0" in listed(as_(hotel, office.admin))


def test_another_tenants_client_ids_reveal_nothing(hotel, shop, office):
    with tenant_context(shop):
        theirs = ClientProfile.objects.create(user=UserFactory(full_name="Shop Only Person"))
    admin = as_(hotel, office.admin)
    response = admin.get(f"/staff/clients/{theirs.pk}/")
    assert b"Shop Only Person" not in response.content


@pytest.mark.parametrize("query", ["' OR 1=1 --", "%", "_", "x" * 5000, "<script>", "\\"])
def test_hostile_searches_are_answered(hotel, office, query):
    response = as_(hotel, office.admin).get("/staff/clients/", {"q": query})
    assert response.status_code == 200
    assert b"<script>" not in response.content


def test_the_list_costs_the_same_queries_for_2_or_20_clients(hotel, office):
    operator = as_(hotel, office.operator)
    operator.get("/staff/clients/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            operator.get("/staff/clients/")
        return len(queries)

    with_two = count()
    with tenant_context(hotel):
        for n in range(10, 28):
            client_assign(client=make_client(n), staff=office.operator, by=office.owner)
    operator.get("/staff/clients/")  # the session's last-seen mark may be due for a write
    assert count() == with_two


def test_the_staff_api_applies_the_same_policy_and_masking(hotel, office):
    operator = as_(hotel, office.operator)
    body = operator.get("/api/v1/staff/clients/").json()
    assert body["count"] == 2
    assert all(row["masked"] for row in body["results"])
    assert PHONE not in str(body)
    assert operator.get(f"/api/v1/staff/clients/{office.clients[2].pk}/").status_code == 404
    admin = as_(hotel, office.admin).get(f"/api/v1/staff/clients/{office.clients[2].pk}/").json()
    assert admin["phone"] == "••• 58"
    assert admin["masked"] is True
    guest = as_(hotel, office.clients[0].user)
    assert guest.get("/api/v1/staff/clients/").status_code == 403


def test_the_client_card_shows_what_they_ordered_and_booked(hotel, office):
    from cabinet.catalog.models import CatalogItem
    from cabinet.checkout.placing import order_place

    with tenant_context(hotel):
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order_place(
            client=office.clients[0], wanted={item.pk: 2}, payment="on_site", submission_key="card"
        )
    page = (
        as_(hotel, office.operator).get(f"/staff/clients/{office.clients[0].pk}/").content.decode()
    )
    assert "2 × Bottle of champagne" in page
    assert "90.00" in page
    assert PHONE not in page


@pytest.mark.parametrize(
    ("language", "words"), [("en", "last seen 7 Dec 2026"), ("de", "zuletzt gesehen 07.12.2026")]
)
def test_the_list_says_when_each_client_was_last_seen_the_readers_way(
    hotel, office, language, words
):
    # given a client last active on 7 December 2026
    with tenant_context(hotel):
        seen = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
        ClientProfile.objects.filter(pk=office.clients[0].pk).update(last_activity_at=seen)
    desk = as_(hotel, office.admin)
    desk.cookies["django_language"] = language

    # when the admin lists the clients
    page = listed(desk)

    # then the date is written in the reader's language, not as ISO text
    assert words in page
    assert ">2026-12-07<" not in page
