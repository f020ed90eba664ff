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

import python_calamine

UNCACHED_FORMULA = "公式没有缓存的计算结果（请在 Excel 中重新计算并保存后再导入）"
_EXCEL_EPOCH = date(1899, 12, 30)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RowError:
    """One refused cell: where it is, what it held (escaped for display) and why it was refused."""
    sheet: str
    row: int          # 1-based, as Excel shows it
    column: str       # column letter, or the header when the whole row is concerned
    value: str
    reason: str


class CellError(ValueError):
    """A cell's value cannot be read as the field needs; the message is the reason (Chinese)."""


@dataclass
class Grid:
    """One sheet's cells, 0-based, with the positions of formulas that have no cached value."""
    sheet: str
    rows: list[list]
    uncached: set[tuple[int, int]] = field(default_factory=set)
    merged: list = field(default_factory=list)

    def cell(self, r: int, c: int):
        if r < len(self.rows) and c < len(self.rows[r]):
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


def read_workbook(path: Path) -> list[Grid]:
    """All sheets, values as cached by Excel; formulas lacking a cached value are marked, not read as 0."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    uncached = _uncached_formula_cells(path)
    grids = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        grids.append(Grid(name, sheet.to_python(skip_empty_area=False), uncached.get(name, set()),
                          list(sheet.merged_cell_ranges or [])))
    return grids


def read_csv(path: Path, sheet: str = "CSV") -> list[Grid]:
    """A CSV file as one sheet of text cells (UTF-8 with or without BOM, else GBK; see evidence.content.csv_text).
    A cell such as =1+2 stays text: a CSV has no formulas, and exports pass everything through safe_cell."""
    from ..evidence.content import csv_text
    text = csv_text(path.read_bytes())
    rows = [[cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    return [Grid(sheet, rows)]


_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</c>)', re.S)
_SHEET_RE = re.compile(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL_RE = re.compile(rb'<Relationship [^>]*?(?:Target="([^"]*)"[^>]*?Id="([^"]*)"|Id="([^"]*)"[^>]*?Target="([^"]*)")')


def _uncached_formula_cells(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Calamine reads a formula without a cached value as empty; the sheet XML tells the two apart."""
    found: dict[str, set[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        rels = {}
        for m in _REL_RE.finditer(archive.read("xl/_rels/workbook.xml.rels")):
            target, rid = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            target = target.decode().lstrip("/")
            rels[rid.decode()] = target if target.startswith("xl/") else "xl/" + target
        for m in _SHEET_RE.finditer(archive.read("xl/workbook.xml")):
            name = _xml_unescape(m.group(1).decode())
            xml = archive.read(rels[m.group(2).decode()])
            if b"<f" not in xml:
                continue
            for cell in _CELL_RE.finditer(xml):
                body = cell.group(3) or b""
                if b"<f" in body and not re.search(rb"<v>[^<]+</v>", body):
                    found.setdefault(name, set()).add((int(cell.group(2)) - 1, _column_index(cell.group(1))))
    return found


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


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
    text = re.sub(r"\s+", "", normalize_text(value)).replace(",", "")
    if text.endswith("万元"):
        text, scale = text[:-2], Decimal(10000)
    elif text.endswith("元"):
        text, scale = text[:-1], Decimal(1)
    if not _NUMBER_RE.fullmatch(text):
        raise CellError("不是数字")
    return Decimal(text) * scale


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
