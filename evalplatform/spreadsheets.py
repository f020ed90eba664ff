"""XLSX/CSV output that spreadsheet programs cannot be tricked into executing (formula injection)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Numbers stay numbers; text that a spreadsheet would treat as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value  # openpyxl writes int, float and Decimal as numbers


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One workbook from (title, header, rows) triples; header bold and frozen, set up for A4 landscape."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        add_sheet(workbook, title, header, rows)
    return workbook_bytes(workbook)


def add_sheet(
    workbook: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    number_formats: dict[int, str] | None = None,
):
    """A sheet with a bold, frozen header repeated on every printed page, A4 landscape, one page wide;
    `number_formats` maps 0-based column index to an Excel number format for that column's numbers."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for column, number_format in (number_formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            if isinstance(cell.value, (int, float, Decimal)):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToHeight = 0
    for index, _ in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    return sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
