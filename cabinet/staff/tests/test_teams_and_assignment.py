"""Teams and assignment, as the owner runs them from /staff/teams/: teams, members and managers,
one client or many to a person or a team, the rule for new clients; every move audited; a forged
id is a 404; operators, clients and other tenants get nothing."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from cabinet.accounts.models import Assignment, ClientProfile
from cabinet.staff.assignment import new_client_route
from cabinet.staff.services import client_assign
from rbac.models import AuditEntry, NewClientRule, StaffProfile, Team, User
from rbac.roles import role_set
from tests.factories import UserFactory


def staff(name: str, role: str = StaffProfile.Role.OPERATOR, team: Team | None = None) -> User:
    user = UserFactory(email=f"{name}@hotel.example.com", full_name=name.title(), is_staff=True)
    role_set(user=user, role=role, team_id=team.pk if team else None)
    return user


def client_named(n: int) -> ClientProfile:
    user = UserFactory(email=f"guest{n}@guest.example.com", full_name=f"Guest Number{n}")
    return ClientProfile.objects.create(user=user)


def as_(tenant, user: User, host: str = "hotel.localhost") -> Client:
    browser = Client(HTTP_HOST=host)
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def owner(hotel) -> User:
    with tenant_context(hotel):
        return User.objects.get(email="owner@hotel.example.com")


def current(client: ClientProfile) -> User | None:
    found = Assignment.objects.filter(client=client, ended_at__isnull=True).first()
    return found.staff if found else None


def test_the_owner_makes_a_team_names_its_manager_who_then_sees_its_clients_and_figures(
    hotel, owner
):
    # given two operators and a client of one of them
    with tenant_context(hotel):
        anna, boris = staff("anna"), staff("boris")
        guest = client_named(1)
        client_assign(client=guest, staff=boris, by=owner)
    browser = as_(hotel, owner)
    # when the owner creates a team, puts both in it and names Anna its manager
    assert browser.post("/staff/teams/new/", {"name": "  Front   desk "}).status_code == 302
    with tenant_context(hotel):
        team = Team.objects.get(name="Front desk")
    browser.post(f"/staff/teams/members/{anna.pk}/", {"team": team.pk, "manager": "on"})
    browser.post(f"/staff/teams/members/{boris.pk}/", {"team": team.pk})
    # then Anna is a manager of the team and sees Boris's client and the team's figures
    with tenant_context(hotel):
        anna.refresh_from_db()
        assert anna.staff_profile.role == StaffProfile.Role.MANAGER
        assert anna.staff_profile.team_id == team.pk
        assert AuditEntry.objects.filter(action="team.member_set").count() == 2
        assert AuditEntry.objects.filter(action="team.created").exists()
    manager = as_(hotel, anna)
    assert "Guest Number1" in manager.get("/staff/clients/").content.decode()
    page = manager.get("/staff/teams/")
    assert page.status_code == 200
    assert "Boris" in page.content.decode()
    assert "1 client" in page.content.decode()
    assert 'href="/staff/teams/"' in page.content.decode()  # her navigation has it
    # and unnaming her makes her an operator again
    browser.post(f"/staff/teams/members/{anna.pk}/", {"team": team.pk})
    with tenant_context(hotel):
        anna.refresh_from_db()
        assert anna.staff_profile.role == StaffProfile.Role.OPERATOR


def test_a_client_assigned_to_a_team_goes_to_its_least_loaded_member_and_is_audited(hotel, owner):
    # given a team of two, one of whom already has a client
    with tenant_context(hotel):
        team = Team.objects.create(name="Spa")
        busy, free = staff("busy", team=team), staff("free", team=team)
        client_assign(client=client_named(1), staff=busy, by=owner)
        guest = client_named(2)
    # when the owner assigns a new client to the team from the card
    response = as_(hotel, owner).post(
        f"/staff/clients/{guest.pk}/assign/", {"staff": f"team:{team.pk}"}
    )
    # then the free member has it, and the move is in the audit log
    assert response.status_code == 302
    with tenant_context(hotel):
        assert current(guest) == free
        entry = AuditEntry.objects.filter(action="client.assigned", target_id=str(guest.pk)).get()
        assert entry.changes["staff"] == ["", free.email]


def test_a_bulk_move_moves_assignments_shows_no_client_and_audits_each(hotel, owner):
    # given three clients of Anna and one unassigned
    with tenant_context(hotel):
        anna, boris = staff("anna"), staff("boris")
        hers = [client_named(n) for n in range(3)]
        for guest in hers:
            client_assign(client=guest, staff=anna, by=owner)
        loose = client_named(9)
    browser = as_(hotel, owner)
    # when the owner moves Anna's clients to Boris
    response = browser.post(
        "/staff/teams/bulk/", {"source": f"staff:{anna.pk}", "to": f"staff:{boris.pk}"}, follow=True
    )
    # then Boris has them, the answer names none of them, each move and the action are audited
    page = response.content.decode()
    assert "3 clients moved" in page
    assert "Guest Number" not in page
    with tenant_context(hotel):
        assert all(current(guest) == boris for guest in hers)
        assert current(loose) is None
        assert AuditEntry.objects.filter(action="client.assigned", actor=owner).count() == 6
        bulk = AuditEntry.objects.get(action="clients.bulk_assigned")
        assert bulk.changes["count"] == 3
    # and the unassigned ones can be spread over a team
    with tenant_context(hotel):
        team = Team.objects.create(name="Night")
        role_set(user=anna, role=StaffProfile.Role.OPERATOR, team_id=team.pk)
    browser.post("/staff/teams/bulk/", {"source": "unassigned", "to": f"team:{team.pk}"})
    with tenant_context(hotel):
        assert current(loose) == anna


def test_round_robin_within_a_team_takes_turns(hotel, owner):
    # given the rule: round-robin in a team of two
    with tenant_context(hotel):
        team = Team.objects.create(name="Desk")
        first, second = staff("first", team=team), staff("second", team=team)
        staff("outsider")  # not in the team: never chosen
    as_(hotel, owner).post("/staff/teams/rule/", {"rule": "round_robin", "team": team.pk})
    # when four clients arrive
    with tenant_context(hotel):
        chosen = [new_client_route(client=client_named(n)).staff for n in range(4)]
        # then they alternate, and the rule change was audited
        assert chosen == [first, second, first, second]
        assert AuditEntry.objects.filter(action="new_client_rule.set").exists()
        entry = AuditEntry.objects.filter(action="client.assigned").first()
        assert entry.actor_label == "rule for new clients"


def test_least_loaded_rule_picks_whoever_has_fewest(hotel, owner):
    with tenant_context(hotel):
        loaded, light = staff("loaded"), staff("light")
        for n in range(2):
            client_assign(client=client_named(n), staff=loaded, by=owner)
    as_(hotel, owner).post("/staff/teams/rule/", {"rule": "least_loaded", "team": ""})
    with tenant_context(hotel):
        assert NewClientRule.objects.get().rule == "least_loaded"
        assert new_client_route(client=client_named(5)).staff == light


def test_signing_up_applies_the_rule(hotel, owner, hotel_client):
    with tenant_context(hotel):
        team = Team.objects.create(name="Desk")
        only = staff("only", team=team)
    as_(hotel, owner).post("/staff/teams/rule/", {"rule": "round_robin", "team": team.pk})
    hotel_client.post(
        "/accounts/signup/",
        {"email": "newcomer@example.com", "password1": "a long passphrase for me"},
    )
    with tenant_context(hotel):
        profile = ClientProfile.objects.get(user__email="newcomer@example.com")
        assert current(profile) == only


def test_round_robin_without_a_team_is_refused(hotel, owner):
    response = as_(hotel, owner).post("/staff/teams/rule/", {"rule": "round_robin"}, follow=True)
    assert "Round-robin needs a team" in response.content.decode()
    with tenant_context(hotel):
        assert not NewClientRule.objects.exists()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/staff/teams/members/{person}/", {"team": "999999"}),
        ("/staff/teams/members/999999/", {"team": ""}),
        ("/staff/teams/999999/remove/", {}),
        ("/staff/teams/rule/", {"rule": "round_robin", "team": "999999"}),
        ("/staff/teams/bulk/", {"source": "unassigned", "to": "team:999999"}),
        ("/staff/teams/bulk/", {"source": "staff:999999", "to": "staff:{person}"}),
        ("/staff/teams/bulk/", {"source": "unassigned", "to": "staff:abc"}),
        ("/staff/clients/{guest}/assign/", {"staff": "team:999999"}),
        ("/staff/clients/{guest}/assign/", {"staff": "999999"}),
        ("/staff/team/999999/deactivate/", {"to": "staff:{person}"}),
        ("/staff/team/{person}/deactivate/", {"to": "team:999999"}),
        ("/staff/team/{owner}/deactivate/", {"to": "staff:{person}"}),
    ],
)
def test_a_forged_team_or_person_id_is_404(hotel, owner, path, data):
    with tenant_context(hotel):
        person, guest = staff("anna"), client_named(1)
    ids = {"person": person.pk, "guest": guest.pk, "owner": owner.pk}
    data = {key: value.format(**ids) for key, value in data.items()}
    response = as_(hotel, owner).post(path.format(**ids), data)
    assert response.status_code == 404


def test_another_tenants_team_and_people_are_404(hotel, shop, owner):
    # given a team and a person in the hotel
    with tenant_context(hotel):
        team = Team.objects.create(name="Hotel team")
        person = staff("anna", team=team)
    # when the shop's owner names them on the shop's host
    with tenant_context(shop):
        shop_owner = User.objects.get(email="owner@shop.example.com")
    shop_browser = as_(shop, shop_owner, host="shop.localhost")
    # then they do not exist there (ids repeat across schemas: use ones beyond the shop's)
    with tenant_context(shop):
        beyond = max(User.objects.order_by("-pk").first().pk, person.pk) + 1000
    assert shop_browser.post(f"/staff/teams/members/{beyond}/", {"team": ""}).status_code == 404
    assert (
        shop_browser.post(
            "/staff/teams/bulk/", {"source": "unassigned", "to": f"team:{team.pk + 1000}"}
        ).status_code
        == 404
    )
    with tenant_context(hotel):
        assert Team.objects.filter(pk=team.pk).exists()


def test_only_the_owner_runs_teams_and_others_get_nothing(hotel, owner):
    with tenant_context(hotel):
        team = Team.objects.create(name="Desk")
        operator = staff("operator", team=team)
        viewer = staff("viewer", role=StaffProfile.Role.VIEWER)
        guest = UserFactory(email="guest@example.com")
    for user in (operator, viewer):
        browser = as_(hotel, user)
        assert browser.get("/staff/teams/").status_code == 403
        assert browser.post("/staff/teams/new/", {"name": "Mine"}).status_code == 403
        bulk = {"source": "unassigned", "to": f"staff:{user.pk}"}
        assert browser.post("/staff/teams/bulk/", bulk).status_code == 403
        assert 'href="/staff/teams/"' not in browser.get("/staff/").content.decode()
    assert as_(hotel, guest).get("/staff/teams/").status_code == 403
    assert Client(HTTP_HOST="hotel.localhost").get("/staff/teams/").status_code == 302
    with tenant_context(hotel):
        assert list(Team.objects.values_list("name", flat=True)) == ["Desk"]


def test_the_teams_page_costs_the_same_queries_for_two_or_twenty_people(hotel, owner):
    browser = as_(hotel, owner)
    browser.get("/staff/teams/")  # warm the caches (branding, policy)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/staff/teams/").status_code == 200
        return len(queries)

    with tenant_context(hotel):
        team = Team.objects.create(name="Desk")
        for n in range(2):
            staff(f"few{n}", team=team)
    few = count()
    with tenant_context(hotel):
        other = Team.objects.create(name="Night")
        for n in range(18):
            person = staff(f"many{n}", team=other)
            client_assign(client=client_named(n), staff=person, by=owner)
    assert count() == few
    assert few <= 20


def test_a_bulk_move_costs_the_same_statements_for_5_or_50_clients(hotel, owner):
    from cabinet.staff.assignment import Target, clients_bulk_assign

    def move(n: int, to: User) -> int:
        with tenant_context(hotel):
            for k in range(n):
                client_assign(client=client_named(1000 * n + k), staff=owner, by=owner)
            with CaptureQueriesContext(connection) as queries:
                moved = clients_bulk_assign(
                    source=f"staff:{owner.pk}", to=Target(staff=to), by=owner
                )
            assert moved == n
            assert Assignment.objects.filter(staff=to, ended_at__isnull=True).count() == n
        return len(queries)

    with tenant_context(hotel):
        first, second = staff("first"), staff("second")
    assert move(5, first) == move(50, second)
