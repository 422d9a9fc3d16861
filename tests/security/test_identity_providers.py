"""ASVS 5.0 6.8.1 (docs/security.md): a person's link to a sign-in provider is named by that
provider: another provider that claims the same subject signs in somebody else."""

from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django_tenants.utils import tenant_context

from tests.rbac.test_oauth_providers import a_provider, idp, through_the_provider  # noqa: F401


def test_the_same_subject_from_another_provider_is_another_person(hotel, idp):  # noqa: F811
    # given: Maria signed in through the cabinet's first provider
    a_provider(hotel, idp, provider_id="company-id")
    a_provider(hotel, idp, provider_id="partner-id")
    idp.next_identity = idp.identity_for("maria@idp.example.com", "Maria Lopez")
    through_the_provider(Client(HTTP_HOST="hotel.localhost"), idp, provider_id="company-id")
    with tenant_context(hotel):
        maria = SocialAccount.objects.get(provider="company-id").user

    # when: the second provider vouches for the very same subject, under another address
    idp.next_identity = {**idp.identity_for("eve@partner.example.com", "Eve"),
                         "sub": "sub-maria@idp.example.com"}  # fmt: skip
    browser = Client(HTTP_HOST="hotel.localhost")
    through_the_provider(browser, idp, provider_id="partner-id")

    # then: that is a link of the second provider, to a person who is not Maria
    with tenant_context(hotel):
        links = dict(SocialAccount.objects.values_list("provider", "user_id"))
    assert set(links) == {"company-id", "partner-id"}
    assert links["partner-id"] != maria.pk
    assert browser.session.get("_auth_user_id") != str(maria.pk)
