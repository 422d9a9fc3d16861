"""Uploaded pictures are never served as they came: each is decoded, shrunk and re-encoded, so
metadata (a phone's GPS position) and anything hidden in the file are gone, and a file that
only pretends to be a picture is refused."""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


def image_reencoded(upload: UploadedFile, *, max_side: int, max_bytes: int) -> tuple[bytes, str]:
    """The picture's re-encoded bytes (JPEG stays JPEG, others become PNG) and extension."""
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            _("A picture is at most %(mb)d MB.") % {"mb": max_bytes // 1_000_000}, code="too_big"
        )
    try:
        with Image.open(upload) as image:
            kind = image.format
            if kind not in IMAGE_FORMATS:
                raise ValidationError(_("Use a PNG, JPEG, WebP or GIF picture."), code="format")
            image.load()
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if kind == "JPEG":
                image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
            else:
                image.convert("RGBA").save(out, format="PNG", optimize=True)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(_("This file is not a picture we can read."), code="invalid") from exc
    return out.getvalue(), "jpg" if kind == "JPEG" else "png"


def image_file(upload: UploadedFile, *, max_side: int, max_bytes: int) -> ContentFile:
    """A re-encoded picture, named by its content."""
    data, extension = image_reencoded(upload, max_side=max_side, max_bytes=max_bytes)
    return ContentFile(data, name=f"{hashlib.sha256(data).hexdigest()[:20]}.{extension}")
