"""PDF documents (data exports, receipts, invoices and vouchers) rendered with fpdf2 and the
bundled DejaVu fonts, so Cyrillic and Arabic print and nothing is needed from the system at run
time. In a right-to-left language (Arabic) HarfBuzz shapes the text (joined letters, each line's
direction found by the Unicode bidi algorithm) and the page is mirrored: text starts at the right,
labels stand right of their values, the QR code and the number go to the left.

A document for a business carries its letterhead: a band in the brand's colour with its logo and
name, the document's number in its series, the legal details in the footer, and for a voucher a
QR code that the door check reads."""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import segno
from django.utils import translation
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
        self.rtl = translation.get_language_bidi()
        self.start, self.end = ("R", "L") if self.rtl else ("L", "R")  # where a line begins, ends
        if self.rtl:
            self.set_text_shaping(use_shaping_engine=True)
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
        self.multi_cell(0, 4, " · ".join(line for line in lines if line) or " ", align=self.start)
        self.set_y(-10)
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align=self.end)


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
    text_x = MARGIN + (50 if qr and pdf.rtl else 0)  # beside the QR code, on its far side
    top = pdf.get_y()
    pdf.set_x(text_x)
    pdf.multi_cell(text_width, 9, title, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(*SOFT)
    pdf.set_x(text_x)
    pdf.multi_cell(text_width, 5.5, subtitle, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    if qr:
        _qr(pdf, qr, qr_caption, top)
    pdf.set_text_color(*INK)
    for section in sections:
        _section(pdf, section, letterhead)
    return bytes(pdf.output())


def _band(pdf: _Document, letterhead: Letterhead, number: str) -> None:
    pdf.set_fill_color(*_rgb(letterhead.colour))
    pdf.rect(0, 0, pdf.w, BAND_HEIGHT, style="F")
    logo = _picture(letterhead.logo)
    side = BAND_HEIGHT - 12
    # the logo and the name where a line starts, the number where it ends
    taken = side + 5 if logo is not None else 0
    name_width = pdf.w - 2 * MARGIN - taken - (60 if number else 0)
    if logo is not None:
        logo_x = pdf.w - MARGIN - side if pdf.rtl else MARGIN
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(logo_x, 6, side, side, style="F", round_corners=True, corner_radius=2)
        pdf.image(logo, x=logo_x + 1, y=7, w=side - 2, h=side - 2, keep_aspect_ratio=True)
    pdf.set_text_color(*_rgb(letterhead.on_colour))
    pdf.set_font("DejaVu", "B", 15)
    name_x = pdf.w - MARGIN - taken - name_width if pdf.rtl else MARGIN + taken
    pdf.set_xy(name_x, 9)
    pdf.cell(name_width, 12, letterhead.name[:60], align=pdf.start)
    if number:
        pdf.set_font("DejaVu", "B", 11)
        pdf.set_xy(MARGIN if pdf.rtl else pdf.w - MARGIN - 60, 9)
        pdf.cell(60, 12, number, align=pdf.end)
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
    x = MARGIN if pdf.rtl else pdf.w - MARGIN - side
    pdf.image(out, x=x, y=top, w=side, h=side)
    if caption:
        pdf.set_font("DejaVu", "", 7)
        pdf.set_text_color(*SOFT)
        pdf.set_xy(max(x - 4, 0), top + side)
        pdf.multi_cell(side + 8, 3.5, caption, align="C")
    pdf.set_y(max(pdf.get_y(), top + side + 8))


def _section(pdf: _Document, section: Section, letterhead: Letterhead | None) -> None:
    pdf.ln(5)
    pdf.set_x(MARGIN)
    pdf.set_font("DejaVu", "B", 12)
    if letterhead is not None:
        pdf.set_text_color(*_rgb(letterhead.colour))
    pdf.multi_cell(0, 7, section.title, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "", 10)
    if section.note:
        pdf.multi_cell(0, 5.5, section.note, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - 2 * MARGIN
    pdf.set_draw_color(*LINE)
    for index, (label, value) in enumerate(section.rows):
        last = index == len(section.rows) - 1
        y = pdf.get_y()
        if section.amounts:  # the label where a line starts, the amount at its end
            pdf.set_font("DejaVu", "B" if last else "", 11 if last else 10)
            _column(pdf, y, 0, width - 45, 7, label, pdf.start)
            below = pdf.get_y()
            _column(pdf, y, width - 45, 45, 7, value or "—", pdf.end)
            pdf.set_y(max(pdf.get_y(), below, y + 7))
            pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        else:
            pdf.set_font("DejaVu", "B", 10)
            _column(pdf, y, 0, 55, 6, label[:60], pdf.start)
            below = pdf.get_y()
            pdf.set_font("DejaVu", "", 10)
            _column(pdf, y, 55, width - 55, 6, value or "—", pdf.start)
            pdf.set_y(max(pdf.get_y(), below, y + 6))


def _column(pdf: _Document, y: float, offset: float, width: float, height: float, text: str,
            align: str) -> None:  # fmt: skip
    """Text in a column that begins `offset` mm from where lines start (the left, or in a
    right-to-left document the right), and leaves the cursor below it."""
    x = pdf.w - MARGIN - offset - width if pdf.rtl else MARGIN + offset
    pdf.set_xy(x, y)
    pdf.multi_cell(width, height, text, align=align, new_x="LMARGIN", new_y="NEXT")
