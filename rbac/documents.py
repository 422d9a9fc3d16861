"""PDF documents (data exports, receipts, invoices and vouchers) rendered with fpdf2 and the
bundled DejaVu fonts, so Cyrillic prints and nothing is needed from the system at run time.

A document for a business carries its letterhead: a band in the brand's colour with its logo and
name, the document's number in its series, the legal details in the footer, and for a voucher a
QR code that the door check reads."""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import segno
from fpdf import FPDF
from PIL import Image, UnidentifiedImageError

FONTS = Path(__file__).parent / "fonts"
INK = (29, 36, 48)
SOFT = (90, 100, 117)
LINE = (221, 225, 231)
BAND_HEIGHT = 30
MARGIN = 15


@dataclass
class Section:
    title: str
    rows: Sequence[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    # A table of amounts: values right-aligned on ruled lines, the last row (the total) bold.
    amounts: bool = False


@dataclass
class Letterhead:
    """Who the document is from, as the business set it on its branding page."""

    name: str
    colour: str = "#1f5f8b"
    on_colour: str = "#ffffff"
    logo: bytes | None = None  # any picture Pillow reads
    legal_lines: Sequence[str] = ()  # legal name, address, tax id: the footer


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class _Document(FPDF):
    def __init__(self, letterhead: Letterhead | None) -> None:
        super().__init__(format="A4")
        self.letterhead = letterhead
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=25)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_draw_color(*LINE)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(2)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*SOFT)
        lines = list(self.letterhead.legal_lines) if self.letterhead else []
        self.multi_cell(0, 4, " · ".join(line for line in lines if line) or " ", align="L")
        self.set_y(-10)
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="R")


def pdf_document(
    *,
    title: str,
    subtitle: str,
    sections: Iterable[Section],
    letterhead: Letterhead | None = None,
    number: str = "",
    qr: str = "",
    qr_caption: str = "",
) -> bytes:
    pdf = _Document(letterhead)
    pdf.add_page()
    if letterhead is not None:
        _band(pdf, letterhead, number)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 18)
    text_width = pdf.w - 2 * MARGIN - (50 if qr else 0)
    top = pdf.get_y()
    pdf.multi_cell(text_width, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(*SOFT)
    pdf.multi_cell(text_width, 5.5, subtitle, new_x="LMARGIN", new_y="NEXT")
    if qr:
        _qr(pdf, qr, qr_caption, top)
    pdf.set_text_color(*INK)
    for section in sections:
        _section(pdf, section, letterhead)
    return bytes(pdf.output())


def _band(pdf: _Document, letterhead: Letterhead, number: str) -> None:
    pdf.set_fill_color(*_rgb(letterhead.colour))
    pdf.rect(0, 0, pdf.w, BAND_HEIGHT, style="F")
    x = MARGIN
    logo = _picture(letterhead.logo)
    if logo is not None:
        side = BAND_HEIGHT - 12
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(x, 6, side, side, style="F", round_corners=True, corner_radius=2)
        pdf.image(logo, x=x + 1, y=7, w=side - 2, h=side - 2, keep_aspect_ratio=True)
        x += side + 5
    pdf.set_text_color(*_rgb(letterhead.on_colour))
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_xy(x, 9)
    name_width = pdf.w - x - MARGIN - (60 if number else 0)
    pdf.cell(name_width, 12, letterhead.name[:60])
    if number:
        pdf.set_font("DejaVu", "B", 11)
        pdf.set_xy(pdf.w - MARGIN - 60, 9)
        pdf.cell(60, 12, number, align="R")
    pdf.set_xy(MARGIN, BAND_HEIGHT + 10)


def _picture(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError):
        return None  # a letterhead without its logo rather than no document


def _qr(pdf: _Document, payload: str, caption: str, top: float) -> None:
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    side = 42
    x = pdf.w - MARGIN - side
    pdf.image(out, x=x, y=top, w=side, h=side)
    if caption:
        pdf.set_font("DejaVu", "", 7)
        pdf.set_text_color(*SOFT)
        pdf.set_xy(x - 4, top + side)
        pdf.multi_cell(side + 8, 3.5, caption, align="C")
    pdf.set_y(max(pdf.get_y(), top + side + 8))


def _section(pdf: _Document, section: Section, letterhead: Letterhead | None) -> None:
    pdf.ln(5)
    pdf.set_x(MARGIN)
    pdf.set_font("DejaVu", "B", 12)
    if letterhead is not None:
        pdf.set_text_color(*_rgb(letterhead.colour))
    pdf.multi_cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "", 10)
    if section.note:
        pdf.multi_cell(0, 5.5, section.note, new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - 2 * MARGIN
    pdf.set_draw_color(*LINE)
    for index, (label, value) in enumerate(section.rows):
        last = index == len(section.rows) - 1
        if section.amounts:
            bold = last
            pdf.set_font("DejaVu", "B" if bold else "", 11 if bold else 10)
            y = pdf.get_y()
            pdf.multi_cell(width - 45, 7, label, new_x="RIGHT", new_y="TOP")
            pdf.multi_cell(45, 7, value or "—", align="R", new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), y + 7))
            pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        else:
            pdf.set_font("DejaVu", "B", 10)
            y = pdf.get_y()
            pdf.multi_cell(55, 6, label[:60], new_x="RIGHT", new_y="TOP")
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(width - 55, 6, value or "—", new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), y + 6))
