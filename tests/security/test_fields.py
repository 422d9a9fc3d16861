"""ASVS 5.0 8.2.3 (docs/security.md): a client writes only the fields of their profile that are
theirs to write; the account's email, phone and standing are not in reach of the API."""

from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from rbac.models import User
from tests.factories import UserFactory

PHONE = "+79161234567"


def test_a_client_cannot_write_the_accounts_guarded_fields_through_the_profile(hotel):
    # given: a signed-in client
    with tenant_context(hotel):
        guest = UserFactory(full_name="Greta Guest", phone=PHONE, phone_verified=True)
        ClientProfile.objects.create(user=guest)
        email = guest.email
    api = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        api.force_login(guest)

    # when: the patch names fields a client may not set beside one they may
    response = api.patch(
        "/api/v1/me/profile/",
        {"full_name": "Greta Gast", "email": "taken@over.example.com", "phone": "+79160000000",
         "is_staff": True, "is_superuser": True, "is_active": False},
        content_type="application/json",
    )  # fmt: skip

    # then: only the name changed
    assert response.status_code == 200
    with tenant_context(hotel):
        after = User.objects.get(pk=guest.pk)
    assert after.full_name == "Greta Gast"
    assert (after.email, after.phone, after.is_staff, after.is_superuser, after.is_active) == (
        email,
        PHONE,
        False,
        False,
        True,
    )
