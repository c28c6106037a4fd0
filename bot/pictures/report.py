"""/report as a one-page A4 PDF: real text (searchable, readable by a screen reader), the chart beside it."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF

from bot.pictures.chart import HEIGHT_INCHES, WIDTH_INCHES, chart_png
from flows.pictures import Report

# DejaVu comes with matplotlib: every character content uses (–, ’, →) without a font of our own
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
MARGIN = 12.0  # mm
CHART_WIDTH = 78.0  # mm, top right; the text runs beside it, then under it across the page
GAP = 5.0
# text sizes tried in turn until the report fits on one page
SIZES = (9.5, 9.0, 8.5, 8.0, 7.5, 7.0)


def report_pdf(report: Report) -> bytes:
    chart = chart_png(report.chart) if report.chart is not None else None
    for size in SIZES:
        pdf = _laid_out(report, chart, size)
        if pdf.pages_count == 1 or size == SIZES[-1]:
            return bytes(pdf.output())
    raise AssertionError("unreachable: the last size is always returned")


def _laid_out(report: Report, chart: bytes | None, size: float) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.add_font(FAMILY, "I", FONTS / "DejaVuSans-Oblique.ttf")
    pdf.set_title(report.title)
    pdf.add_page()
    full = pdf.w - 2 * MARGIN
    pdf.set_font(FAMILY, "B", size + 6)
    pdf.multi_cell(full, (size + 6) * 0.5, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", size)
    pdf.multi_cell(full, size * 0.5, report.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "I", size)
    pdf.multi_cell(full, size * 0.5, report.note, border=1, padding=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    chart_bottom = pdf.get_y()
    if chart is not None:
        x, top = pdf.w - MARGIN - CHART_WIDTH, pdf.get_y()
        pdf.set_xy(x, top)
        pdf.set_font(FAMILY, "B", size + 1)
        pdf.cell(CHART_WIDTH, size * 0.5, report.chart_heading)
        pdf.image(io.BytesIO(chart), x=x, y=top + size * 0.5, w=CHART_WIDTH)
        chart_bottom = top + size * 0.5 + CHART_WIDTH * HEIGHT_INCHES / WIDTH_INCHES
        pdf.set_xy(MARGIN, top)

    def width() -> float:
        """Beside the chart while the text is level with it, across the page below it."""
        return full - CHART_WIDTH - GAP if pdf.get_y() < chart_bottom else full

    for section in report.sections:
        pdf.set_font(FAMILY, "B", size + 1)
        pdf.multi_cell(width(), (size + 1) * 0.5, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", size)
        for line in section.lines:
            pdf.multi_cell(width(), size * 0.45, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)
    return pdf
