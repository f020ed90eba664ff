"""Reading workbooks fast (python-calamine) and turning cells into checked values, or row errors."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import python_calamine

from .. import bounds
from ..evidence.content import csv_text
from ..indicators.target_text import percent_text

UNCACHED_FORMULA = "公式没有缓存的计算结果（请在 Excel 中重新计算并保存后再导入）"
_EXCEL_EPOCH = date(1899, 12, 30)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RowError:
    """One refused cell: where it is, what it held (escaped for display) and why it was refused."""

    sheet: str
    row: int  # 1-based, as Excel shows it
    column: str  # column letter, or the header when the whole row is concerned
    value: str
    reason: str


class CellError(ValueError):
    """A cell's value cannot be read as the field needs; the message is the reason (Chinese)."""


@dataclass
class Grid:
    """One sheet's cells, 0-based, with the positions of formulas that have no cached value. A big sheet read
    streaming holds only its first rows here; `more` yields the rest in order (each row a list)."""

    sheet: str
    rows: list[list]
    uncached: set[tuple[int, int]] = field(default_factory=set)
    merged: list = field(default_factory=list)
    more: Iterator[list] | None = None
    column_offset: int = 0  # rows from `more` start at this column (python-calamine trims empty columns)
    base: int = 0  # the sheet row of rows[0]: a chunk of a streamed sheet starts further down

    def cell(self, r: int, c: int):
        r -= self.base
        if 0 <= r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shown(value) -> str:
    """A cell value as text safe to show: control characters escaped, length bounded."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= 80 else text[:79] + "…"


STREAM_HEAD = 60  # rows kept in memory of a streamed sheet: enough for any header block


def read_workbook(
    path: Path, limits: bounds.Limits | None = None, *, display: bool = False, stream: bool = False
) -> list[Grid]:
    """All sheets, values as cached by Excel, after the file passed every bound (one streaming pass).
    Formulas lacking a cached value are marked, not read as 0. `display`: cells as Excel shows them where the
    number alone misleads — a percent-formatted 1 is "100%", a typed "=100%" keeps its "=" (target sheets).
    `stream`: big sheets are not turned into Python lists at once (ledgers of 1,000,000 rows)."""
    limits = limits or bounds.from_environment()
    scans = _Scans(path, display)
    bounds.check_xlsx(path, limits, on_sheet_rows=scans.for_sheet)
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    return [_grid(workbook, name, scans, limits, stream) for name in workbook.sheet_names]


def _grid(workbook, name: str, scans: _Scans, limits: bounds.Limits, stream: bool) -> Grid:
    sheet = workbook.get_sheet_by_name(name)
    bounds.check_grid(name, sheet.total_height + 1, sheet.total_width + 1, limits)  # last indexes
    merged = list(sheet.merged_cell_ranges or [])
    uncached = scans.uncached.get(name, set())
    if stream and sheet.total_height > STREAM_HEAD:
        rows = sheet.iter_rows()
        offset = sheet.start[1] if sheet.start else 0
        head = [[""] * offset + row for _, row in zip(range(STREAM_HEAD), rows)]  # range first: no row lost
        return Grid(name, head, uncached, merged, more=rows, column_offset=offset)
    rows = sheet.to_python(skip_empty_area=False)
    for (r, c), text in scans.display.get(name, {}).items():
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = text
    return Grid(name, rows, uncached, merged)


def read_xls(path: Path, limits: bounds.Limits | None = None) -> list[Grid]:
    """An Excel 97–2003 workbook (an OLE2 file, at most 65,536 × 256 cells a sheet): python-calamine reads it
    whole; each sheet's size and its longest cell are checked before any parsing. Number formats are not read
    here: a percent-formatted 1 stays 1 (the review page shows it for correction)."""
    limits = limits or bounds.from_environment()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    grids = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        bounds.check_grid(name, sheet.total_height + 1, sheet.total_width + 1, limits)  # last indexes
        rows = sheet.to_python(skip_empty_area=False)
        _check_cells(rows, limits)
        grids.append(Grid(name, rows, set(), list(sheet.merged_cell_ranges or [])))
    return grids


def _check_cells(rows: list[list], limits: bounds.Limits) -> None:
    longest = max((len(cell) for row in rows for cell in row if type(cell) is str), default=0)
    if longest > limits.max_cell_chars:
        raise bounds.LimitExceeded(
            "max_cell_chars",
            f"文件超出上限：单元格内容长度为 {longest:,} 个字符，上限为 {limits.max_cell_chars:,} 个字符",
        )


def read_csv(path: Path, sheet: str = "CSV", limits: bounds.Limits | None = None) -> list[Grid]:
    """A CSV file as one sheet of text cells (UTF-8 with or without BOM, else GBK; see evidence.content.csv_text).
    A cell such as =1+2 stays text: a CSV has no formulas, and exports pass everything through safe_cell."""
    limits = limits or bounds.from_environment()
    text = csv_text(path.read_bytes())
    rows = [[cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    bounds.check_grid(sheet, len(rows), max((len(r) for r in rows), default=0), limits)
    _check_cells(rows, limits)
    return [Grid(sheet, rows)]


_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_STYLE_RE = re.compile(rb' s="(\d+)"')
_TYPE_RE = re.compile(rb' t="(\w+)"')
_FORMULA_RE = re.compile(rb"<f(?: [^>]*)?>([^<]*)</f>")
_CONSTANT = re.compile(r"[-+]?\d+(?:\.\d+)?%?")
_NUMFMT_RE = re.compile(rb'<numFmt [^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_XF_RE = re.compile(rb"<xf\b[^>]*>")
_XF_FORMAT = re.compile(rb'numFmtId="(\d+)"')
_PERCENT_FORMATS = {9, 10}  # Excel's built-in 0% and 0.00%
_MAX_STYLES_BYTES = 8 * 2**20


class _Scans:
    """What the sheet XML tells and python-calamine does not: formulas without a cached value (read as empty
    by calamine) and, for `display`, cells whose shown text differs from their number."""

    def __init__(self, path: Path, display: bool):
        self.display_wanted = display
        self.uncached: dict[str, set[tuple[int, int]]] = {}
        self.display: dict[str, dict[tuple[int, int], str]] = {}
        self.percent_styles = _percent_styles(path) if display else set()

    def for_sheet(self, name: str):
        def scan(xml: bytes) -> None:
            if b"<f" not in xml and not self.percent_styles:
                return
            for cell in _CELL_RE.finditer(xml):
                self._cell(name, cell)

        return scan

    def _cell(self, name: str, cell) -> None:
        body = cell.group(4) or b""
        at = (int(cell.group(2)) - 1, _column_index(cell.group(1)))
        formula = _FORMULA_RE.search(body) if b"<f" in body else None
        constant = formula and bounds.xml_unescape(formula.group(1).decode()).strip()
        if self.display_wanted and constant and _CONSTANT.fullmatch(constant):
            # "=100%" typed into Excel is stored as the formula 100% (cached 1): the unit wrote "=" and 100 %.
            self.display.setdefault(name, {})[at] = "=" + constant
            return
        value = re.search(rb"<v>([^<]+)</v>", body)
        if b"<f" in body and value is None:
            self.uncached.setdefault(name, set()).add(at)
            return
        kind = _TYPE_RE.search(cell.group(3))
        if not self.display_wanted or value is None or (kind and kind.group(1) != b"n"):
            return  # only numbers have a number format worth showing
        style = _STYLE_RE.search(cell.group(3))
        if style and int(style.group(1)) in self.percent_styles:
            self.display.setdefault(name, {})[at] = percent_text(float(value.group(1)))


def _percent_styles(path: Path) -> set[int]:
    """Indices of cell styles whose number format shows a percent."""
    with zipfile.ZipFile(path) as archive:
        info = next((i for i in archive.infolist() if i.filename == "xl/styles.xml"), None)
        if info is None or info.file_size > _MAX_STYLES_BYTES:
            return set()
        xml = archive.read(info)
    percent = set(_PERCENT_FORMATS) | {int(m.group(1)) for m in _NUMFMT_RE.finditer(xml) if b"%" in m.group(2)}
    cell_xfs = xml.split(b"<cellXfs", 1)[1].split(b"</cellXfs>", 1)[0] if b"<cellXfs" in xml else b""
    formats = [_XF_FORMAT.search(m.group(0)) for m in _XF_RE.finditer(cell_xfs)]
    return {index for index, f in enumerate(formats) if f and int(f.group(1)) in percent}


def _column_index(letters: bytes) -> int:
    return bounds.column_number(letters) - 1


def normalize_text(value) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), whitespace trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def header_key(value) -> str:
    """A header reduced for matching: no spaces, units, asterisks or bracketed notes."""
    text = re.sub(r"\s+", "", normalize_text(value or ""))
    text = re.sub(r"\([^)]*\)|\[[^]]*\]", "", text)
    return text.strip("*:")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return normalize_text(value)


_NUMBER_RE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")


def parse_decimal(value, *, scale: Decimal = Decimal(1)) -> Decimal | None:
    """Numbers as Decimal; text with thousands separators, full-width digits, 元/万元 suffixes accepted."""
    if is_blank(value):
        return None
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        raise CellError("不是数字")
    if isinstance(value, (int, float)):
        if value != value:
            raise CellError("不是数字")
        return Decimal(repr(value)) * scale
    text = re.sub(r"\s+", "", normalize_text(value)).replace(",", "").removeprefix("¥").removeprefix("RMB")
    if text.endswith("万元"):
        text, scale = text[:-2], Decimal(10000)
    elif text.endswith("元"):
        text, scale = text[:-1], Decimal(1)
    if not _NUMBER_RE.fullmatch(text):
        raise CellError("不是数字")
    return Decimal(text) * scale


def parse_points(value) -> Decimal | None:
    """分值/得分 as the forms write them: 10, "10", "10分"."""
    if isinstance(value, str) and normalize_text(value).endswith("分"):
        value = normalize_text(value)[:-1]
    return parse_decimal(value)


def parse_amount(value, *, scale: Decimal = Decimal(1)) -> Decimal | None:
    number = parse_decimal(value, scale=scale)
    return None if number is None else number.quantize(_CENT)


def parse_rate(value) -> Decimal | None:
    """A rate as a fraction: 95%, "95%", 0.95 and 95 all give 0.95 (numbers above 2 are percent points)."""
    if isinstance(value, str) and normalize_text(value).endswith("%"):
        number = parse_decimal(normalize_text(value)[:-1])
        return None if number is None else number / 100
    number = parse_decimal(value)
    if number is None:
        return None
    return number / 100 if abs(number) > 2 else number


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(:\d{2})?)?")


def parse_date(value) -> date | None:
    """Dates from date cells, Excel serial numbers, and text such as 2025-3-5, 2025/03/05, 2025年3月5日, 20250305."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("不是有效日期")
    text = normalize_text(value)
    match = _DATE_RE.fullmatch(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        raise CellError("不是有效日期")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError("不是有效日期") from None
