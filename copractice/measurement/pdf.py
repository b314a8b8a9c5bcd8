"""A plain, accessible PDF document for the measurement reports (fpdf2, DejaVu fonts when installed)."""
import os

from flask import current_app
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = "/usr/share/fonts/truetype/dejavu"


class Document:
    """Headings, paragraphs and simple tables, one after another on A4 pages."""

    def __init__(self, title: str):
        pdf = FPDF(format="A4")
        pdf.set_title(title)
        pdf.set_author(current_app.config.get("SERVICE_NAME", "copractice"))
        pdf.set_lang("en-GB")
        pdf.set_auto_page_break(True, margin=15)
        regular = os.path.join(FONT_DIR, "DejaVuSans.ttf")
        if os.path.exists(regular):
            bold = os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")
            oblique = os.path.join(FONT_DIR, "DejaVuSans-Oblique.ttf")
            pdf.add_font("Body", "", regular)
            pdf.add_font("Body", "B", bold if os.path.exists(bold) else regular)
            pdf.add_font("Body", "I", oblique if os.path.exists(oblique) else regular)
            self.family = "Body"
        else:  # pragma: no cover - fonts-dejavu-core is installed by make/CI
            self.family = "Helvetica"
        pdf.add_page()
        pdf.set_text_color(33, 43, 50)
        self.pdf = pdf

    def heading(self, text: str, size: int = 14) -> None:
        self.pdf.ln(3)
        self.pdf.set_font(self.family, "B", size)
        self.pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def text(self, text: str, italic: bool = False) -> None:
        self.pdf.set_font(self.family, "I" if italic else "", 11)
        self.pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def table(self, rows: list[list]) -> None:
        """A table whose first row is its heading; every value is printed as given (already suppressed)."""
        self.pdf.set_font(self.family, "", 9)
        with self.pdf.table(first_row_as_headings=True, text_align="LEFT") as table:
            for values in rows:
                line = table.row()
                for value in values:
                    line.cell(str(value))
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
