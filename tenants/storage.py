from django.conf import settings
from django_tenants.files.storage import TenantFileSystemStorage


class TenantMediaStorage(TenantFileSystemStorage):
    """Files land under MEDIA_ROOT/<schema>/; URLs are plain /media/<path> and are served by
    tenants.views.tenant_media, which looks only in the requesting host's own folder."""

    @property
    def base_url(self) -> str:
        return settings.MEDIA_URL
