"""The demo hotel's pictures, drawn by cabinet.demo.pictures for its DEMO:
a seaside hotel's sun and sea."""

from PIL import Image, ImageDraw

from cabinet.demo.pictures import RGB, gradient, mix


def seaside(size: tuple[int, int], primary: RGB, accent: RGB, seed: int) -> Image.Image:
    w, h = size
    horizon = int(h * (0.48 + (seed % 12) / 100))
    image = gradient(size, mix(accent, (255, 255, 255), 0.55), mix(accent, (255, 120, 90), 0.3))
    draw = ImageDraw.Draw(image)
    sun_x, r = int(w * (0.2 + (seed % 60) / 100)), int(h * 0.14)
    draw.ellipse(
        [sun_x - r, horizon - r, sun_x + r, horizon + r], fill=mix(accent, (255,) * 3, 0.2)
    )
    for band in range(7):  # the sea, in bands darkening towards the shore
        top = horizon + band * (h - horizon) // 7
        draw.rectangle([0, top, w, h], fill=mix(primary, (255, 255, 255), 0.35 - band * 0.05))
        for x in range(-40, w + 40, 80):
            shift = (band * 37 + seed) % 80
            draw.arc([x + shift, top - 6, x + shift + 60, top + 10], 200, 340,
                     fill=mix(primary, (255, 255, 255), 0.6), width=3)  # fmt: skip
    return image


def emblem(draw: ImageDraw.ImageDraw, side: int, accent: RGB) -> None:
    """The logo's sun over two waves."""
    draw.ellipse([156, 96, 356, 296], fill=accent)
    for y in (300, 370):
        for x in (60, 196, 332):
            draw.arc([x, y, x + 136, y + 80], 200, 340, fill=(255, 255, 255), width=22)
