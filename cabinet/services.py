"""Writes in the cabinet. Each service owns its transaction; side effects go to tasks on commit."""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from cabinet.models import Branding
from cabinet.selectors import branding_forget
from cabinet.storage_quota import storage_changed, storage_check
from rbac.audit import audit_record
from tenants.tasks_base import enqueue_on_commit

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
NORMALIZED_PREFIX = "branding/logo-"


def _forget_branding() -> None:
    # Now for this process's next read, and again once the change is visible to all.
    branding_forget()
    transaction.on_commit(branding_forget)


@transaction.atomic
def branding_update(**fields: object) -> Branding:
    branding = Branding.objects.select_for_update().first() or Branding()
    for name, value in fields.items():
        setattr(branding, name, value)
    branding.full_clean()
    branding.save()
    _forget_branding()
    return branding


def _check_image(upload: UploadedFile) -> None:
    if upload.size is None or upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo must be an image of at most 2 MB."), code="too_big")
    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("This file is not an image we can read."), code="invalid") from exc
    if kind not in LOGO_FORMATS:
        raise ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."), code="format")
    upload.seek(0)


@transaction.atomic
def branding_logo_set(*, upload: UploadedFile) -> Branding:
    """Store an uploaded logo as it came, then re-encode it in the worker (metadata stripped,
    at most 512 px, PNG) so what clients download is never the raw upload for long."""
    _check_image(upload)
    storage_check(upload.size or 0, for_staff=True)
    branding = Branding.objects.select_for_update().first()
    if branding is None:
        raise ValidationError(_("Set up the cabinet's branding first."), code="no_branding")
    branding.logo.save(f"upload-{hashlib.sha256(upload.name.encode()).hexdigest()[:12]}", upload)
    storage_changed()
    _forget_branding()
    from cabinet.tasks import branding_logo_normalize

    enqueue_on_commit(branding_logo_normalize)
    return branding


@transaction.atomic
def branding_logo_normalize() -> bool:
    """Re-encode the current logo; idempotent (a normalized logo is left alone). True if changed."""
    branding = Branding.objects.select_for_update().first()
    if branding is None or not branding.logo or branding.logo.name.startswith(NORMALIZED_PREFIX):
        return False
    original = branding.logo.name
    with branding.logo.open("rb") as raw, Image.open(raw) as image:
        image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
        clean = image.convert("RGBA")
        out = io.BytesIO()
        clean.save(out, format="PNG", optimize=True)
    digest = hashlib.sha256(out.getvalue()).hexdigest()[:16]
    branding.logo.save(f"logo-{digest}.png", ContentFile(out.getvalue()), save=False)
    branding.save(update_fields=["logo", "updated_at"])
    _forget_branding()
    storage = branding.logo.storage
    transaction.on_commit(lambda: storage.delete(original))
    return True


@transaction.atomic
def content_save(*, form: ModelForm, key: str, request: HttpRequest) -> models.Model:
    """Save a staff edit of a page, catalog item or event, with its audit entry."""
    created = form.instance.pk is None
    changes = {
        name: [str(form.initial.get(name, "")), str(form.cleaned_data.get(name, ""))]
        for name in form.changed_data
    }
    saved = form.save()
    audit_record(
        action=f"{key}.{'created' if created else 'updated'}",
        target=saved,
        changes=changes,
        request=request,
    )
    return saved


@transaction.atomic
def content_delete(*, obj: models.Model, key: str, request: HttpRequest) -> None:
    """Raises ProtectedError (nothing deleted) while something still refers to it."""
    audit_record(action=f"{key}.deleted", target=obj, changes={"was": str(obj)}, request=request)
    obj.delete()
