"""The booking rules' staff page: every member of staff reads them, a manager or the owner
changes them (audited, effective at once: the booking calendar follows), bad input is a 400 with
nothing saved, other staff and clients cannot change them, other verticals get a 404; the
built-in manager and admin roles hold the permission, in new cabinets and existing ones."""

import datetime
import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.clinic import selectors
from cabinet.clinic.services import appointment_book
from cabinet.clinic.tests.helpers import as_, at, key
from rbac.models import AuditEntry
from rbac.roles import group_name, permission_catalog
from tests.conftest import host_of

PAGE = "/staff/booking-rules/"
DEFAULTS = {
    "horizon_days": 60,
    "notice_hours": 2,
    "change_hours": 24,
    "hold_minutes": 20,
    "reminder_hours": 24,
}


def _saved_rules(practice) -> dict[str, int]:
    with tenant_context(practice.tenant):
        found = selectors.rules()
        return {name: getattr(found, name) for name in DEFAULTS}


def _audited(practice) -> list[AuditEntry]:
    with tenant_context(practice.tenant):
        return list(AuditEntry.objects.filter(action="clinic.booking_rules"))


def test_a_manager_shortens_the_horizon_and_the_calendar_follows(practice):
    # given a client who can see and book a time five days from now
    manager = as_(practice.tenant, practice.manager)
    client = as_(practice.tenant, practice.paula.user)
    service = practice.follow_up.pk
    later = at(5, 10)
    before = client.get(f"/appointments/book/{service}/?date={later.date().isoformat()}")
    assert key(later) in before.content.decode()

    # when the manager allows booking at most 3 days ahead
    page = manager.get(PAGE)
    saved = manager.post(PAGE, {**DEFAULTS, "horizon_days": "3"})

    # then the page offered the form, the change is saved and audited with before and after
    assert page.status_code == 200
    assert 'name="horizon_days"' in page.content.decode()
    assert saved.status_code == 303
    assert saved["Location"] == PAGE
    assert _saved_rules(practice) == {**DEFAULTS, "horizon_days": 3}
    [entry] = _audited(practice)
    assert entry.changes == {"horizon_days": [60, 3]}
    assert entry.actor_id == practice.manager.pk
    # the summary speaks the client's words
    assert "Clients can book up to 3 days ahead." in manager.get(PAGE).content.decode()
    # and the client's calendar stops at three days from today; day five is not bookable
    after = client.get(f"/appointments/book/{service}/?date={later.date().isoformat()}")
    shown = after.content.decode()
    last = timezone.localdate() + datetime.timedelta(days=3)
    assert f"date={last.isoformat()}" in shown
    assert f"date={(last + datetime.timedelta(days=1)).isoformat()}" not in shown
    assert key(later) not in shown
    with tenant_context(practice.tenant), pytest.raises(ValidationError) as refused:
        appointment_book(
            client=practice.paula, service=practice.follow_up, starts=later, specialist=None
        )
    assert refused.value.code == "horizon"


def test_the_notice_and_the_change_window_take_effect(practice):
    # given a visit the day after tomorrow (34 to 58 hours away: movable under the default
    # 24 hours), and free times tomorrow under the default 2 hours' notice
    with tenant_context(practice.tenant):
        visit = appointment_book(
            client=practice.paula,
            service=practice.follow_up,
            starts=at(2, 10),
            specialist=practice.anna,
        )
        assert selectors.free_slots(practice.follow_up, at(1, 10).date(), practice.anna)
    owner = as_(practice.tenant, practice.owner)
    client = as_(practice.tenant, practice.paula.user)

    # when the owner asks for two days' notice and changes until 72 hours before
    saved = owner.post(PAGE, {**DEFAULTS, "notice_hours": "48", "change_hours": "72"})
    cancelled = client.post(f"/appointments/{visit.pk}/cancel/")

    # then nothing tomorrow is offered, and the client can no longer cancel the visit
    assert saved.status_code == 303
    assert cancelled.status_code == 303
    assert cancelled["Location"] == f"/appointments/{visit.pk}/"
    shown = client.get(cancelled["Location"]).content.decode()
    assert "until 72 hours before" in shown
    with tenant_context(practice.tenant):
        assert selectors.free_slots(practice.follow_up, at(1, 10).date(), practice.anna) == []
        visit.refresh_from_db()
        assert visit.is_live


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("horizon_days", "0", "The least allowed here is 1."),
        ("horizon_days", "366", "The most allowed here is 365."),
        ("notice_hours", "-1", "The least allowed here is 0."),
        ("change_hours", "721", "The most allowed here is 720."),
        ("hold_minutes", "4", "The least allowed here is 5."),
        ("reminder_hours", "169", "The most allowed here is 168."),
        ("reminder_hours", "two", "Enter a whole number."),
        ("hold_minutes", "", "Enter a number."),
        ("horizon_days", "99999999999999999999", "The most allowed here is 365."),
    ],
)
def test_a_value_out_of_bounds_is_a_400_and_nothing_is_saved(practice, field, value, error):
    # given
    manager = as_(practice.tenant, practice.manager)

    # when
    answer = manager.post(PAGE, {**DEFAULTS, "change_hours": "12", field: value})

    # then the form says what is wrong, next to the field; nothing changed, nothing audited
    assert answer.status_code == 400
    assert error in answer.content.decode()
    assert _saved_rules(practice) == DEFAULTS
    assert _audited(practice) == []


def test_a_notice_longer_than_the_horizon_is_refused(practice):
    # given
    manager = as_(practice.tenant, practice.manager)

    # when: at least 48 hours' notice, at most 2 days ahead — no time could ever be booked
    answer = manager.post(PAGE, {**DEFAULTS, "horizon_days": "2", "notice_hours": "48"})

    # then
    assert answer.status_code == 400
    assert "clients could never book" in answer.content.decode()
    assert _saved_rules(practice) == DEFAULTS
    assert _audited(practice) == []


def test_saving_the_same_rules_writes_no_audit_entry(practice):
    manager = as_(practice.tenant, practice.manager)
    assert manager.post(PAGE, DEFAULTS).status_code == 303
    assert _audited(practice) == []


def test_a_specialist_reads_the_rules_but_cannot_change_them(practice):
    # given Anna, a specialist (operator role)
    anna = as_(practice.tenant, practice.anna.user)

    # when
    page = anna.get(PAGE)
    changed = anna.post(PAGE, {**DEFAULTS, "horizon_days": "3"})

    # then she reads what to tell a client, without a form; her POST is a 403
    assert page.status_code == 200
    shown = page.content.decode()
    assert "Clients can book up to 60 days ahead." in shown
    assert 'name="horizon_days"' not in shown
    assert changed.status_code == 403
    assert _saved_rules(practice) == DEFAULTS
    assert _audited(practice) == []


def test_clients_and_strangers_get_no_rules_page(practice):
    client = as_(practice.tenant, practice.paula.user)
    anonymous = Client(HTTP_HOST=host_of(practice.tenant))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {**DEFAULTS, "horizon_days": "3"}).status_code == 403
    signed_out = anonymous.post(PAGE, {**DEFAULTS, "horizon_days": "3"})
    assert signed_out.status_code == 302
    assert "/accounts/login/" in signed_out["Location"]
    assert _saved_rules(practice) == DEFAULTS


def test_the_rules_page_is_a_404_on_other_verticals(hotel):
    with tenant_context(hotel):
        from rbac.models import User

        owner = User.objects.get(email="owner@hotel.example.com")
    browser = Client(HTTP_HOST=host_of(hotel))
    with tenant_context(hotel):
        browser.force_login(owner)
    assert browser.get(PAGE).status_code == 404
    assert browser.post(PAGE, DEFAULTS).status_code == 404


def test_the_page_is_linked_in_every_staff_members_navigation(practice):
    for user in (practice.owner, practice.manager, practice.anna.user):
        shown = as_(practice.tenant, user).get("/staff/schedule/").content.decode()
        assert f'href="{PAGE}"' in shown
        assert "Booking rules" in shown


def test_the_page_takes_a_fixed_number_of_queries(practice, django_assert_max_num_queries):
    manager = as_(practice.tenant, practice.manager)
    with django_assert_max_num_queries(30):
        assert manager.get(PAGE).status_code == 200
    with django_assert_max_num_queries(30):
        assert manager.post(PAGE, {**DEFAULTS, "horizon_days": "30"}).status_code == 303


def test_the_manager_and_admin_roles_hold_the_permission_and_the_role_editor_names_it(practice):
    # given the built-in role groups of the clinic (made from its template)
    with tenant_context(practice.tenant):
        holders = set(
            Group.objects.filter(
                permissions__content_type__app_label="clinic",
                permissions__codename="change_bookingrules",
            ).values_list("name", flat=True)
        )
    # then managers and admins may change the rules, specialists and viewers may not
    assert holders >= {group_name("manager"), group_name("admin")}
    assert group_name("operator") not in holders
    assert group_name("viewer") not in holders
    # and an owner composing a role finds the ability by a name they understand
    [label] = [
        a for a, perms in permission_catalog().items() if "clinic.change_bookingrules" in perms
    ]
    roles = as_(practice.tenant, practice.owner).get("/staff/roles/").content.decode()
    assert label in roles


def test_the_migration_grants_the_permission_to_an_existing_cabinets_roles(practice):
    # given an existing cabinet whose manager role predates the permission
    migration = importlib.import_module("cabinet.clinic.migrations.0003_booking_rules_for_managers")
    with tenant_context(practice.tenant):
        manager = Group.objects.get(name=group_name("manager"))
        wanted = Permission.objects.get(
            content_type__app_label="clinic", codename="change_bookingrules"
        )
        manager.permissions.remove(wanted)
        assert not manager.permissions.filter(pk=wanted.pk).exists()

        # when the migration's SQL runs there (twice: a resumed roll-out)
        with connection.cursor() as cursor:
            cursor.execute(migration.GRANT)
            cursor.execute(migration.GRANT)

        # then the manager role has it again, once; the operator role still has not
        assert manager.permissions.filter(pk=wanted.pk).count() == 1
        operator = Group.objects.get(name=group_name("operator"))
        assert not operator.permissions.filter(pk=wanted.pk).exists()
