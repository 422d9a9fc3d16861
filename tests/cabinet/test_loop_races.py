"""Issue 19's races and bad input, on committed data with real concurrent transactions: two
staff taking one item over HTTP, a take racing its taker's deactivation, and forged people,
teams and items answering 404 with nothing changed."""

import contextlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.staff.assignment import Target, staff_offboard
from cabinet.staff.services import client_assign
from cabinet.staff.work import request_take
from cabinet.work.intake import work_open
from cabinet.work.models import WorkRequest
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.conftest import host_of

OPEN = (WorkRequest.Status.NEW, WorkRequest.Status.IN_PROGRESS)


def _person(tag: str, name: str, role: str = StaffProfile.Role.ADMIN) -> User:
    person = User.objects.create_user(email=f"{name}-{tag}@staff.example.com", password="p",
                                      full_name=name.title(), is_staff=True)  # fmt: skip
    role_set(user=person, role=role)
    return person


def _client(tag: str, n: int = 0) -> ClientProfile:
    user = User.objects.create_user(email=f"c{n}-{tag}@guest.example.com", password="p")
    return ClientProfile.objects.create(user=user)


def _signed_in(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def test_two_staff_take_the_same_item_over_http_and_exactly_one_gets_it(
    module_tenant, django_db_blocker
):
    # given one new item and two staff who may both take it, signed in on two browsers
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        tag = uuid.uuid4().hex[:8]
        anna, boris = _person(tag, "anna"), _person(tag, "boris")
        work = work_open(client=_client(tag), kind="form", source=f"http-race:{tag}",
                         title="Taxi at six")  # fmt: skip
    with django_db_blocker.unblock():
        browsers = [_signed_in(module_tenant, anna), _signed_in(module_tenant, boris)]
    start = threading.Barrier(2)

    def take(browser: Client) -> None:
        try:
            with django_db_blocker.unblock():
                start.wait()
                browser.post(f"/staff/queue/{work.pk}/take/")
        finally:
            connections.close_all()

    # when both press Take at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(take, browsers))
    # then one holds it, and the audit log has exactly one take
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        from rbac.models import AuditEntry

        taken = WorkRequest.objects.get(pk=work.pk)
        assert taken.assignee_id in (anna.pk, boris.pk)
        assert taken.status == WorkRequest.Status.IN_PROGRESS
        takes = AuditEntry.objects.filter(action="request.taken", target_id=str(work.pk))
        assert takes.count() == 1


def test_a_take_racing_its_takers_deactivation_never_leaves_work_with_someone_switched_off(
    module_tenant, django_db_blocker
):
    # given Olga about to take five items while the owner deactivates her in favour of Ivan
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        tag = uuid.uuid4().hex[:8]
        owner = User.objects.get(email=module_tenant.owner_email)
        olga, ivan = _person(tag, "olga"), _person(tag, "ivan")
        items = [
            work_open(
                client=_client(tag, n), kind="form", source=f"off-race:{tag}:{n}", title=f"Item {n}"
            )
            for n in range(5)
        ]
    start = threading.Barrier(2)

    def takes() -> None:
        try:
            with django_db_blocker.unblock(), tenant_context(module_tenant):
                start.wait()
                for item in items:
                    with contextlib.suppress(ValidationError):  # refused once she is off
                        request_take(work=item, staff=User.objects.get(pk=olga.pk))
        finally:
            connections.close_all()

    def offboard() -> None:
        try:
            with django_db_blocker.unblock(), tenant_context(module_tenant):
                start.wait()
                staff_offboard(member=User.objects.get(pk=olga.pk), to=Target(staff=ivan),
                               by=owner, reason="race")  # fmt: skip
        finally:
            connections.close_all()

    # when both happen at once
    threads = [threading.Thread(target=takes), threading.Thread(target=offboard)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then she is off, and none of the open items is hers
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        assert not User.objects.get(pk=olga.pk).is_active
        still_hers = WorkRequest.objects.filter(
            pk__in=[i.pk for i in items], assignee_id=olga.pk, status__in=OPEN
        )
        assert not still_hers.exists()


@pytest.mark.django_db
def test_deactivating_someone_with_an_open_item_hands_it_and_their_client_over(hotel):
    with tenant_context(hotel):
        tag = uuid.uuid4().hex[:8]
        owner = User.objects.get(email="owner@hotel.example.com")
        olga = _person(tag, "olga", StaffProfile.Role.OPERATOR)
        ivan = _person(tag, "ivan", StaffProfile.Role.OPERATOR)
        guest = _client(tag)
        client_assign(client=guest, staff=olga, by=owner)
        item = work_open(client=guest, kind="chat", source=f"thread-x:{tag}", title="Question")
        request_take(work=item, staff=olga)
    response = _signed_in(hotel, owner).post(
        f"/staff/team/{olga.pk}/deactivate/", {"to": f"staff:{ivan.pk}", "reason": "left"}
    )
    assert response.status_code == 302
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.assignee_id == ivan.pk
        assert item.status == WorkRequest.Status.IN_PROGRESS
        assert guest.assignments.get(ended_at__isnull=True).staff_id == ivan.pk


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client", "switched_off", "themselves", "garbage"])
def test_handing_work_to_a_forged_person_is_refused_and_changes_nothing(hotel, who):
    with tenant_context(hotel):
        tag = uuid.uuid4().hex[:8]
        owner = User.objects.get(email="owner@hotel.example.com")
        olga = _person(tag, "olga", StaffProfile.Role.OPERATOR)
        gone = _person(tag, "gone", StaffProfile.Role.OPERATOR)
        User.objects.filter(pk=gone.pk).update(is_active=False)
        guest = _client(tag)
        client_assign(client=guest, staff=olga, by=owner)
    to = {"client": f"staff:{guest.user_id}", "switched_off": f"staff:{gone.pk}",
          "themselves": f"staff:{olga.pk}", "garbage": "staff:1e9"}[who]  # fmt: skip
    response = _signed_in(hotel, owner).post(f"/staff/team/{olga.pk}/deactivate/", {"to": to})
    assert response.status_code in (400, 404)
    with tenant_context(hotel):
        assert User.objects.get(pk=olga.pk).is_active
        assert guest.assignments.get(ended_at__isnull=True).staff_id == olga.pk


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/staff/queue/999999/", "/staff/queue/999999/take/", "/staff/queue/999999/close/",
    "/staff/team/999999/reactivate/", "/staff/teams/members/999999/",
])  # fmt: skip
def test_a_forged_item_or_person_id_is_404(hotel, path):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    browser = _signed_in(hotel, owner)
    reading = path == "/staff/queue/999999/"
    response = browser.get(path) if reading else browser.post(path)
    assert response.status_code == 404
