"""A clinic to test with: its starter services, two specialists who work every day from 8 to
20 with a break at 12, a manager, and two clients."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.clinic.models import Service, Specialist, WorkingHours
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tenants.models import Tenant
from tests.factories import UserFactory


def staff_member(email: str, role: str) -> User:
    user = UserFactory(email=email, full_name=email.split("@")[0].title(), is_staff=True)
    role_set(user=user, role=role)
    return user


def specialist_working(user: User, title: str, services: list[Service]) -> Specialist:
    specialist = Specialist.objects.create(user=user, title=title)
    specialist.services.set(services)
    for weekday in range(1, 8):
        WorkingHours.objects.create(
            specialist=specialist, weekday=weekday, starts=datetime.time(8), ends=datetime.time(20)
        )
        WorkingHours.objects.create(
            specialist=specialist,
            weekday=weekday,
            kind="break",
            starts=datetime.time(12),
            ends=datetime.time(13),
        )
    return specialist


class Practice:
    def __init__(self, tenant: Tenant) -> None:
        with tenant_context(tenant):
            self.tenant = tenant
            self.owner = User.objects.get(email=f"owner@{tenant.slug}.example.com")
            self.consultation = Service.objects.get(item__name="First consultation")  # prepaid
            self.follow_up = Service.objects.get(item__name="Follow-up visit")  # not prepaid
            self.anna = specialist_working(
                staff_member(f"anna@{tenant.slug}.example.com", StaffProfile.Role.OPERATOR),
                "GP",
                [self.consultation, self.follow_up],
            )
            self.omar = specialist_working(
                staff_member(f"omar@{tenant.slug}.example.com", StaffProfile.Role.OPERATOR),
                "Dermatologist",
                [self.consultation, self.follow_up],
            )
            self.manager = staff_member(
                f"mila@{tenant.slug}.example.com", StaffProfile.Role.MANAGER
            )
            self.paula = ClientProfile.objects.create(
                user=UserFactory(email="paula@patient.example.com", full_name="Paula P")
            )
            self.tom = ClientProfile.objects.create(
                user=UserFactory(email="tom@patient.example.com", full_name="Tom B")
            )


@pytest.fixture
def clinic(db: None) -> Tenant:
    return Tenant.objects.get(slug="clinic")


@pytest.fixture
def practice(clinic: Tenant) -> Practice:
    return Practice(clinic)
