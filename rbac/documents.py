"""PDF documents (data exports; receipts and vouchers reuse it) rendered with fpdf2 and the
bundled DejaVu fonts, so Cyrillic prints and nothing is needed from the system at run time."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"


@dataclass
class Section:
    title: str
    rows: Sequence[tuple[str, str]] = field(default_factory=list)
    note: str = ""


def pdf_document(*, title: str, subtitle: str, sections: Iterable[Section]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(90, 100, 117)
    pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(29, 36, 48)
    for section in sections:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        if section.note:
            pdf.multi_cell(0, 6, section.note, new_x="LMARGIN", new_y="NEXT")
        for label, value in section.rows:
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(55, 6, label[:60])
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 6, value or "—", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
