"""Pictures for the demo cabinets, drawn here (nothing from the network): each business gets a
logo, a cover photo and pictures of its services, events and pages in its own motif and colours,
so the demos look like different businesses. The motif and the logo's emblem are the vertical's
(its demo's `motif` and `emblem`, drawn with `mix` and `gradient` from here)."""

import hashlib
import io
from collections.abc import Callable

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from PIL import Image, ImageDraw, ImageFont

from cabinet.branding.models import Branding
from cabinet.branding.services import COVER_MAX_BYTES, COVER_SIDES
from cabinet.common.images import PictureField, picture_file, picture_renditions, small_name
from cabinet.verticals import loaded, vertical_named

RGB = tuple[int, int, int]


def _rgb(colour: str) -> RGB:
    value = colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        draw.line([(0, y), (size[0], y)], fill=mix(top, bottom, y / max(size[1] - 1, 1)))
    return image


def _seed(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _logo(emblem: Callable | None, name: str, primary: RGB, accent: RGB) -> Image.Image:
    side = 512
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, side - 1, side - 1], radius=120, fill=primary)
    if emblem is not None:  # the vertical's own (its demo's `emblem`)
        emblem(draw, side, accent)
    font = ImageFont.load_default(size=64)
    draw.text((side - 40, side - 34), name[:1].upper(), fill=(255, 255, 255), font=font,
              anchor="rs")  # fmt: skip
    return image


def _encoded(image: Image.Image, fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=84)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def demo_pictures_seed(*, vertical: str, branding: Branding) -> None:
    """Give a demo cabinet its logo, cover and pictures (inside its tenant's context), in the
    motif its vertical's demo declares; none when it declares none."""
    declared = vertical_named(vertical)
    demo = loaded(declared.demo) if declared else None
    motif = getattr(demo, "motif", None)
    if motif is None:
        return
    primary, accent = _rgb(branding.primary_colour), _rgb(branding.accent_colour)
    logo = _logo(demo.emblem, branding.display_name, primary, accent)
    branding.logo.save("logo-demo.png", SimpleUploadedFile("logo.png", _encoded(logo, "PNG")),
                       save=False)  # fmt: skip
    cover = motif((COVER_SIDES[0], COVER_SIDES[0] * 9 // 16), primary, accent, _seed("cover"))
    upload = SimpleUploadedFile("cover.jpg", _encoded(cover), content_type="image/jpeg")
    extension, (large, small) = picture_renditions(upload, sides=COVER_SIDES,
                                                   max_bytes=COVER_MAX_BYTES)  # fmt: skip
    branding.cover.save(f"cover-demo.{extension}", ContentFile(large), save=False)
    storage, beside = branding.cover.storage, small_name(branding.cover.name)
    storage.delete(beside)
    storage.save(beside, ContentFile(small))
    branding.save(update_fields=["logo", "cover", "updated_at"])
    things: list[Model] = []
    for model in apps.get_models():  # whatever has an optional picture: items, events, rooms…
        field = next((f for f in model._meta.fields if f.name == "image"), None)
        if isinstance(field, PictureField) and field.blank:
            things += model.objects.filter(image="")
    for thing in things:
        title = getattr(thing, "name", "") or getattr(thing, "title", "") or str(thing)
        picture = motif((960, 600), primary, accent, _seed(title))
        upload = SimpleUploadedFile("p.jpg", _encoded(picture), content_type="image/jpeg")
        stored = picture_file(upload)
        thing.image.save(stored.name, stored, save=False)
        thing.save(update_fields=["image"])
