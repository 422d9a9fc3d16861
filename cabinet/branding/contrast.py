"""Colour contrast as WCAG 2.2 measures it, for the owner's brand colours.

The primary colour is both the background of the top bar and buttons (under white text) and the
colour of links on white, so it must reach 4.5:1 against white (AA for body text). The accent
marks focus rings, pins and the brand's initial: 3:1 against white (AA for large text and for
interface parts). A colour that falls short is refused with the nearest darker colour that passes.
"""

import colorsys

WHITE = "#ffffff"
INK = "#14171a"
DARK_CARD = "#181d24"  # the card in dark mode (static/css/kabinet.css)
TEXT_RATIO = 4.5  # WCAG 1.4.3, normal text
UI_RATIO = 3.0  # WCAG 1.4.11 and 1.4.3 for large text


def _channels(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def relative_luminance(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    return WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, INK) else INK


def darkened_to(colour: str, *, ratio: float, against: str = WHITE) -> str:
    """The same hue and saturation, darkened just enough to reach `ratio` against `against`
    (the colour itself when it already does)."""
    if contrast_ratio(colour, against) >= ratio:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*_channels(colour))
    while lightness > 0:
        lightness = max(0.0, lightness - 0.01)
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))
        if contrast_ratio(candidate, against) >= ratio:
            return candidate
    return "#000000"


def lightened_to(colour: str, *, ratio: float, against: str = DARK_CARD) -> str:
    """The same hue and saturation, lightened just enough to reach `ratio` against a dark
    `against`: the brand's colour for links and marks in dark mode."""
    if contrast_ratio(colour, against) >= ratio:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*_channels(colour))
    while lightness < 1:
        lightness = min(1.0, lightness + 0.01)
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))
        if contrast_ratio(candidate, against) >= ratio:
            return candidate
    return WHITE
