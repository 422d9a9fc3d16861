import os
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django_tenants.files.storage import TenantFileSystemStorage


class TenantMediaStorage(TenantFileSystemStorage):
    """Files land under MEDIA_ROOT/<schema>/; URLs are plain /media/<path> and are served by
    tenants.views.tenant_media, which looks only in the requesting host's own folder."""

    @property
    def base_url(self) -> str:
        return settings.MEDIA_URL


MEDIA_BYTES_CACHE_SECONDS = 60


def tenant_media_bytes(schema_name: str) -> int:
    """How many bytes the tenant's files take (uploads, documents, exports under its media
    folder), cached for a minute; `tenant_media_forget` after a write makes it exact again."""
    key = f"tenants:media-bytes:{schema_name}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    total = 0
    root = Path(settings.MEDIA_ROOT) / schema_name
    stack = [root] if root.is_dir() else []
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    cache.set(key, total, MEDIA_BYTES_CACHE_SECONDS)
    return total


def tenant_media_forget(schema_name: str) -> None:
    cache.delete(f"tenants:media-bytes:{schema_name}")
