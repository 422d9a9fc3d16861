"""The school every test here starts from: a teacher per class, two students, a parent each."""

import pytest
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.school.models import SchoolClass
from cabinet.school.services import enrol, parent_pair, student_create
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


class Campus:
    def __init__(self, school) -> None:
        with tenant_context(school):
            self.owner = User.objects.get(email="owner@school.example.com")
            self.teacher = UserFactory(
                email="elena@school.example.com", full_name="Elena T", is_staff=True
            )
            role_set(user=self.teacher, role=StaffProfile.Role.OPERATOR)
            self.other_teacher = UserFactory(email="igor@school.example.com", is_staff=True)
            role_set(user=self.other_teacher, role=StaffProfile.Role.OPERATOR)
            self.piano = SchoolClass.objects.get(name="Piano, grade 2")
            self.choir = SchoolClass.objects.get(name="Children's choir")
            SchoolClass.objects.filter(pk=self.piano.pk).update(teacher=self.teacher)
            SchoolClass.objects.filter(pk=self.choir.pk).update(teacher=self.other_teacher)
            self.piano.refresh_from_db()
            self.choir.refresh_from_db()
            self.sofia = student_create(full_name="Sofia P", birth_date=None, by=self.owner)
            self.lev = student_create(full_name="Lev I", birth_date=None, by=self.owner)
            for student in (self.sofia, self.lev):
                enrol(student=student, school_class=self.piano, by=self.owner)
            enrol(student=self.lev, school_class=self.choir, by=self.owner)
            self.clara = ClientProfile.objects.create(
                user=UserFactory(email="clara@family.example.com", full_name="Clara Parent")
            )
            self.daria = ClientProfile.objects.create(
                user=UserFactory(email="daria@family.example.com", full_name="Daria I")
            )
            parent_pair(parent=self.clara, code=self.sofia.pairing_code)
            parent_pair(parent=self.daria, code=self.lev.pairing_code)


@pytest.fixture
def campus(school) -> Campus:
    return Campus(school)
