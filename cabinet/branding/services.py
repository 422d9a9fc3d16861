"""Writes of the brand: colours, fonts, texts, the home page's blocks, the business's details,
the logo and the cover picture (checked, re-encoded, within the storage quota). Each service owns
its transaction; side effects go to tasks on commit."""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cabinet.branding.models import Branding, BusinessDetails, cover_small_name
from cabinet.branding.selectors import branding_forget
from cabinet.common.storage_quota import storage_changed, storage_check
from rbac.audit import audit_record
from tenants.tasks_base import enqueue_on_commit, task_named

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
NORMALIZED_PREFIX = "branding/logo-"
COVER_MAX_BYTES = 8 * 1024 * 1024
COVER_SIDES = (1600, 800)  # the full picture and the one a phone loads (srcset)
BRANDING_TEXT_FIELDS = (
    "display_name", "tagline", "welcome_text", "primary_colour", "accent_colour", "font",
    "content_languages", "translations",
)  # fmt: skip


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


@transaction.atomic
def branding_change(*, request: HttpRequest, **fields: object) -> Branding:
    """The owner's edit of the cabinet's name, texts, colours and fonts, audited field by field."""
    branding = Branding.objects.select_for_update().first() or Branding()
    changes = {
        name: [str(getattr(branding, name)), str(value)]
        for name, value in fields.items()
        if name in BRANDING_TEXT_FIELDS and getattr(branding, name) != value
    }
    for name in changes:
        setattr(branding, name, fields[name])
    branding.full_clean()
    branding.save()
    _forget_branding()
    if changes:
        audit_record(action="branding.updated", target=branding, changes=changes, request=request)
    return branding


@transaction.atomic
def home_blocks_set(*, request: HttpRequest, keys: list[str]) -> Branding:
    """The blocks of the clients' home, in order ([] for the vertical's defaults), audited."""
    from cabinet.content.home import BLOCKS

    unknown = [key for key in keys if key not in BLOCKS]
    if unknown or len(set(keys)) != len(keys):
        raise ValidationError(_("There is no such block."), code="unknown")
    branding = Branding.objects.select_for_update().first()
    before = list(branding.home_blocks)
    branding.home_blocks = keys
    branding.save(update_fields=["home_blocks", "updated_at"])
    _forget_branding()
    audit_record(action="branding.home_updated", target=branding,
                 changes={"home_blocks": [before, keys]}, request=request)  # fmt: skip
    return branding


@transaction.atomic
def business_details_change(*, request: HttpRequest, **fields: object) -> BusinessDetails:
    """The legal name, address, tax id, VAT and numbering that documents carry, audited."""
    details = BusinessDetails.objects.select_for_update().first() or BusinessDetails()
    changes = {
        name: [str(getattr(details, name)), str(value)]
        for name, value in fields.items()
        if getattr(details, name) != value
    }
    for name in changes:
        setattr(details, name, fields[name])
    details.full_clean()
    details.save()
    if changes:
        audit_record(action="business_details.updated", target=details, changes=changes,
                     request=request)  # fmt: skip
    return details


def picture_check(upload: UploadedFile, *, max_bytes: int = LOGO_MAX_BYTES) -> None:
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            _("The picture must be at most %(size)d MB.") % {"size": max_bytes // (1024 * 1024)},
            code="too_big",
        )
    head = upload.read(512).lstrip().lower()
    upload.seek(0)
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise ValidationError(
            _("SVG files can carry scripts, so we do not accept them: upload a PNG, JPEG or WebP."),
            code="svg",
        )
    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("This file is not an image we can read."), code="invalid") from exc
    if kind not in LOGO_FORMATS:
        raise ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."), code="format")
    upload.seek(0)


def _cover_renditions(upload: UploadedFile) -> tuple[str, list[bytes]]:
    """The cover turned upright (EXIF orientation), stripped of its metadata, at each of
    COVER_SIDES; WebP stays WebP, anything else becomes JPEG."""
    with Image.open(upload) as image:
        keep_webp = image.format == "WEBP"
        upright = ImageOps.exif_transpose(image).convert("RGB")
    extension = "webp" if keep_webp else "jpg"
    renditions = []
    for side in COVER_SIDES:
        copy = upright.copy()
        copy.thumbnail((side, side))
        out = io.BytesIO()
        copy.save(out, format="WEBP" if keep_webp else "JPEG", quality=74, optimize=True)
        renditions.append(out.getvalue())
    return extension, renditions


@transaction.atomic
def branding_cover_set(*, upload: UploadedFile, request: HttpRequest) -> Branding:
    """Store the cover photo in the sizes pages ask for, and forget the one it replaces."""
    picture_check(upload, max_bytes=COVER_MAX_BYTES)
    extension, (large, small) = _cover_renditions(upload)
    storage_check(len(large) + len(small), for_staff=True)
    branding = Branding.objects.select_for_update().first()
    if branding is None:
        raise ValidationError(_("Set up the cabinet's branding first."), code="no_branding")
    digest = hashlib.sha256(large).hexdigest()[:16]
    if branding.cover and f"cover-{digest}" in branding.cover.name:
        return branding  # the same picture again
    previous = (
        [branding.cover.name, cover_small_name(branding.cover.name)] if branding.cover else []
    )
    branding.cover.save(f"cover-{digest}.{extension}", ContentFile(large), save=False)
    storage, small_name = branding.cover.storage, cover_small_name(branding.cover.name)
    storage.delete(small_name)  # an orphan of an earlier try would make save() pick another name
    storage.save(small_name, ContentFile(small))
    branding.save(update_fields=["cover", "updated_at"])
    storage_changed()
    _forget_branding()
    audit_record(action="branding.cover_set", target=branding, request=request)
    _delete_on_commit(branding.cover.storage, previous)
    return branding


@transaction.atomic
def branding_picture_remove(*, which: str, request: HttpRequest) -> Branding:
    """Take the logo or the cover photo off the cabinet (its pages fall back to the initial or
    to the brand colours)."""
    if which not in ("logo", "cover"):
        raise ValidationError(_("There is no such picture."), code="unknown")
    branding = Branding.objects.select_for_update().first()
    if branding is None or not getattr(branding, which):
        return branding
    field = getattr(branding, which)
    names = [field.name] + ([cover_small_name(field.name)] if which == "cover" else [])
    storage = field.storage
    setattr(branding, which, "")
    branding.save(update_fields=[which, "updated_at"])
    storage_changed()
    _forget_branding()
    audit_record(action=f"branding.{which}_removed", target=branding, request=request)
    _delete_on_commit(storage, names)
    return branding


def _delete_on_commit(storage: object, names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)


@transaction.atomic
def branding_logo_set(*, upload: UploadedFile, request: HttpRequest | None = None) -> Branding:
    """Store an uploaded logo as it came, then re-encode it in the worker (metadata stripped,
    at most 512 px, PNG) so what clients download is never the raw upload for long."""
    picture_check(upload)
    storage_check(upload.size or 0, for_staff=True)
    branding = Branding.objects.select_for_update().first()
    if branding is None:
        raise ValidationError(_("Set up the cabinet's branding first."), code="no_branding")
    branding.logo.save(f"upload-{hashlib.sha256(upload.name.encode()).hexdigest()[:12]}", upload)
    storage_changed()
    _forget_branding()
    if request is not None:
        audit_record(action="branding.logo_set", target=branding, request=request)
    branding_logo_normalize = task_named("cabinet.branding_logo_normalize")

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
