"""Uploaded pictures are never served as they came: each is decoded, shrunk and re-encoded, so
metadata (a phone's GPS position) and anything hidden in the file are gone, and a file that
only pretends to be a picture is refused."""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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


# Pictures of things clients look at (services, events, rooms, information pages, the map's
# plan): the full picture and a small one for lists and phones (srcset), both upright and bare.
# 400: a phone-wide card at 1x, a tile at 2x; 160: a list's 64 px thumbnail at 2.5x
PICTURE_SIDES = (1200, 400, 160)
PICTURE_MAX_BYTES = 5_000_000


def picture_renditions(
    upload: UploadedFile, *, sides: tuple[int, ...], max_bytes: int
) -> tuple[str, list[bytes]]:
    """The picture turned upright (EXIF orientation), stripped of its metadata, at each of
    `sides`: WebP stays WebP, JPEG stays JPEG, anything else becomes PNG. Returns the
    extension and the renditions' bytes, largest first."""
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
            upright = ImageOps.exif_transpose(image)
        renditions = []
        for index, side in enumerate(sides):
            copy = upright.copy()
            copy.thumbnail((side, side))
            out = io.BytesIO()  # a fresh image object: no EXIF, ICC text or comments carried over
            quality = 80 if index == 0 else 68  # the small ones are for lists: lighter
            if kind == "WEBP":
                copy.convert("RGBA" if "A" in copy.getbands() else "RGB").save(
                    out, format="WEBP", quality=quality
                )
            elif kind == "JPEG":
                copy.convert("RGB").save(out, format="JPEG", quality=quality, optimize=True)
            else:
                copy.convert("RGBA").save(out, format="PNG", optimize=True)
            renditions.append(out.getvalue())
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(_("This file is not a picture we can read."), code="invalid") from exc
    extension = {"WEBP": "webp", "JPEG": "jpg"}.get(kind, "png")
    return extension, renditions


def picture_file(upload: UploadedFile, *, max_bytes: int = PICTURE_MAX_BYTES) -> ContentFile:
    """A re-encoded picture named by its content, carrying its small and thumbnail renditions
    (`.small`, `.thumb`) for `PictureField` to store beside it."""
    extension, (large, small, thumb) = picture_renditions(
        upload, sides=PICTURE_SIDES, max_bytes=max_bytes
    )
    picture = ContentFile(large, name=f"{hashlib.sha256(large).hexdigest()[:20]}.{extension}")
    picture.small, picture.thumb = small, thumb
    return picture


def small_name(name: str, size: str = "small") -> str:
    """Where a smaller rendition ("small", "thumb") of a picture is kept, beside the full one."""
    stem, _dot, extension = name.rpartition(".")
    return f"{stem}-{size}.{extension}"


def picture_names(name: str) -> list[str]:
    """The picture's files: itself and its renditions (to delete them together)."""
    return [name, small_name(name), small_name(name, "thumb")] if name else []


class PictureFieldFile(ImageFieldFile):
    """A picture with its small rendition kept beside it (`small_url`, for srcset and lists)."""

    def save(self, name: str, content: object, save: bool = True) -> None:
        renditions = {size: getattr(content, size, None) for size in ("small", "thumb")}
        super().save(name, content, save=save)
        for size, data in renditions.items():
            if data is not None:
                beside = small_name(self.name, size)
                self.storage.delete(beside)  # an orphan would make save() rename it
                self.storage.save(beside, ContentFile(data))

    def delete(self, save: bool = True) -> None:
        for beside in picture_names(self.name)[1:]:
            self.storage.delete(beside)
        super().delete(save=save)

    def _rendition_url(self, size: str) -> str:
        """A rendition's URL; a picture stored before renditions existed has only itself."""
        if not self.name:
            return ""
        name = small_name(self.name, size)
        return self.storage.url(name if self.storage.exists(name) else self.name)

    @property
    def small_url(self) -> str:
        return self._rendition_url("small")

    @property
    def thumb_url(self) -> str:
        return self._rendition_url("thumb")


class PictureField(models.ImageField):
    attr_class = PictureFieldFile
