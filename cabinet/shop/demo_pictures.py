"""The demo shop's pictures, drawn by cabinet.demo.pictures for its DEMO:
a bookshop's shelves."""

from PIL import Image, ImageDraw

from cabinet.demo.pictures import RGB, mix


def shelves(size: tuple[int, int], primary: RGB, accent: RGB, seed: int) -> Image.Image:
    w, h = size
    cream = (246, 238, 222)
    image = Image.new("RGB", size, mix(primary, (0, 0, 0), 0.35))
    draw = ImageDraw.Draw(image)
    palette = [primary, accent, cream, mix(primary, cream, 0.5), mix(accent, (60, 40, 30), 0.4),
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
        draw.rectangle([0, floor, w, floor + 10], fill=mix(accent, (90, 60, 30), 0.5))
    return image


def emblem(draw: ImageDraw.ImageDraw, side: int, accent: RGB) -> None:
    """The logo's open book."""
    draw.polygon([(86, 150), (250, 190), (250, 400), (86, 360)], fill=accent)
    draw.polygon([(426, 150), (262, 190), (262, 400), (426, 360)], fill=(246, 238, 222))
