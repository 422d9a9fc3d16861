"""The demo school's pictures, drawn by cabinet.demo.pictures for its DEMO:
a music school's keys and notes."""

from PIL import Image, ImageDraw

from cabinet.demo.pictures import RGB, gradient, mix


def keys(size: tuple[int, int], primary: RGB, accent: RGB, seed: int) -> Image.Image:
    w, h = size
    image = gradient(size, mix(primary, (255, 255, 255), 0.15), mix(primary, (0, 0, 0), 0.25))
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


def emblem(draw: ImageDraw.ImageDraw, side: int, accent: RGB) -> None:
    """The logo's note."""
    draw.ellipse([150, 300, 290, 400], fill=accent)
    draw.rectangle([262, 110, 290, 350], fill=accent)
    draw.polygon([(290, 110), (380, 160), (380, 200), (290, 150)], fill=accent)
