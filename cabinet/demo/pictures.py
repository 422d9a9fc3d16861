"""Pictures for the demo cabinets, drawn here (nothing from the network): each business gets a
logo, a cover photo and pictures of its services, events and pages in its own motif and colours
— a seaside hotel's sun and sea, a bookshop's shelves, a music school's keys and notes — so the
three demos look like three different businesses."""

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

RGB = tuple[int, int, int]


def _rgb(colour: str) -> RGB:
    value = colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        draw.line([(0, y), (size[0], y)], fill=_mix(top, bottom, y / max(size[1] - 1, 1)))
    return image


def _seed(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _seaside(size: tuple[int, int], primary: RGB, accent: RGB, seed: int) -> Image.Image:
    w, h = size
    horizon = int(h * (0.48 + (seed % 12) / 100))
    image = _gradient(size, _mix(accent, (255, 255, 255), 0.55), _mix(accent, (255, 120, 90), 0.3))
    draw = ImageDraw.Draw(image)
    sun_x, r = int(w * (0.2 + (seed % 60) / 100)), int(h * 0.14)
    draw.ellipse(
        [sun_x - r, horizon - r, sun_x + r, horizon + r], fill=_mix(accent, (255,) * 3, 0.2)
    )
    for band in range(7):  # the sea, in bands darkening towards the shore
        top = horizon + band * (h - horizon) // 7
        draw.rectangle([0, top, w, h], fill=_mix(primary, (255, 255, 255), 0.35 - band * 0.05))
        for x in range(-40, w + 40, 80):
            shift = (band * 37 + seed) % 80
            draw.arc([x + shift, top - 6, x + shift + 60, top + 10], 200, 340,
                     fill=_mix(primary, (255, 255, 255), 0.6), width=3)  # fmt: skip
    return image


def _shelves(size: tuple[int, int], primary: RGB, accent: RGB, seed: int) -> Image.Image:
    w, h = size
    cream = (246, 238, 222)
    image = Image.new("RGB", size, _mix(primary, (0, 0, 0), 0.35))
    draw = ImageDraw.Draw(image)
    palette = [primary, accent, cream, _mix(primary, cream, 0.5), _mix(accent, (60, 40, 30), 0.4),
               (46, 74, 98), (92, 120, 80)]  # fmt: skip
    rows = 2 + seed % 2
    for row in range(rows):
        floor = (row + 1) * h // rows - 10
        x, n = 12, seed + row * 7
        while x < w - 12:
            n = (n * 1103515245 + 12345) & 0x7FFFFFFF
            spine = 34 + n % 40  # wide, plain spines: a light file for a phone
            height = int((h // rows - 30) * (0.7 + (n % 30) / 100))
            colour = palette[n % len(palette)]
            draw.rectangle([x, floor - height, x + spine, floor], fill=colour)
            x += spine + 4
        draw.rectangle([0, floor, w, floor + 10], fill=_mix(accent, (90, 60, 30), 0.5))
    return image


def _keys(size: tuple[int, int], primary: RGB, accent: RGB, seed: int) -> Image.Image:
    w, h = size
    image = _gradient(size, _mix(primary, (255, 255, 255), 0.15), _mix(primary, (0, 0, 0), 0.25))
    draw = ImageDraw.Draw(image)
    top = int(h * 0.58)
    key = max(w // 22, 12)
    for i, x in enumerate(range(0, w, key)):
        draw.rectangle([x, top, x + key - 2, h], fill=(250, 250, 247))
        if i % 7 not in (2, 6):
            draw.rectangle([x + key * 2 // 3, top, x + key * 4 // 3, top + (h - top) * 3 // 5],
                           fill=(28, 30, 36))  # fmt: skip
    for n in range(5):  # notes dancing above the keys
        x = int(w * (0.12 + 0.18 * n)) + (seed >> n) % 30
        y = int(h * (0.34 + 0.05 * ((seed >> (2 * n)) % 4)))
        r = max(h // 18, 6)
        draw.ellipse([x - r, y - r * 3 // 4, x + r, y + r * 3 // 4], fill=accent)
        draw.line([(x + r - 2, y), (x + r - 2, y - r * 4)], fill=accent, width=max(r // 3, 2))
    return image


MOTIFS: dict[str, Callable[..., Image.Image]] = {
    "hotel": _seaside,
    "shop": _shelves,
    "school": _keys,
}


def _logo(vertical: str, name: str, primary: RGB, accent: RGB) -> Image.Image:
    side = 512
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, side - 1, side - 1], radius=120, fill=primary)
    if vertical == "hotel":  # a sun over two waves
        draw.ellipse([156, 96, 356, 296], fill=accent)
        for y in (300, 370):
            for x in (60, 196, 332):
                draw.arc([x, y, x + 136, y + 80], 200, 340, fill=(255, 255, 255), width=22)
    elif vertical == "shop":  # an open book
        draw.polygon([(86, 150), (250, 190), (250, 400), (86, 360)], fill=accent)
        draw.polygon([(426, 150), (262, 190), (262, 400), (426, 360)], fill=(246, 238, 222))
    else:  # a note
        draw.ellipse([150, 300, 290, 400], fill=accent)
        draw.rectangle([262, 110, 290, 350], fill=accent)
        draw.polygon([(290, 110), (380, 160), (380, 200), (290, 150)], fill=accent)
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
    """Give a demo cabinet its logo, cover and pictures (inside its tenant's context)."""
    motif = MOTIFS.get(vertical)
    if motif is None:
        return
    primary, accent = _rgb(branding.primary_colour), _rgb(branding.accent_colour)
    logo = _logo(vertical, branding.display_name, primary, accent)
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
