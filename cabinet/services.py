from django.db import transaction

from cabinet.models import Branding


@transaction.atomic
def branding_update(**fields: object) -> Branding:
    branding = Branding.objects.select_for_update().first() or Branding()
    for name, value in fields.items():
        setattr(branding, name, value)
    branding.full_clean()
    branding.save()
    return branding
