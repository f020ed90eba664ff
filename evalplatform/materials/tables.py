"""Finding a table's header row by aliases (merged and two-row headers included) and reading its cells."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .reading import (UNCACHED_FORMULA, CellError, Grid, RowError, column_letter, header_key, is_blank,
                      normalize_text, parse_amount, parse_date, parse_decimal, parse_rate, parse_text, shown)

PARSERS = {"text": lambda v, scale: parse_text(v), "amount": lambda v, scale: parse_amount(v, scale=scale),
           "decimal": lambda v, scale: parse_decimal(v), "rate": lambda v, scale: parse_rate(v),
           "date": lambda v, scale: parse_date(v)}
WAN = Decimal(10000)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Field:
    name: str
    label: str              # the standard Chinese header, shown in errors and on the mapping form
    aliases: tuple[str, ...]
    kind: str = "text"      # text | amount | decimal | rate | date
    required: bool = True


@dataclass
class Header:
    row: int                       # 0-based index of the (lower) header row
    columns: dict[str, int]        # field name -> column index
    texts: dict[str, str]          # field name -> header text as found (saved as the column mapping)
    scales: dict[str, Decimal]     # amount fields in 万元 get 10000


class HeaderNotFound(Exception):
    def __init__(self, missing: list[str]):
        super().__init__("、".join(missing))
        self.missing = missing


def _merged_value(grid: Grid, r: int, c: int):
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return grid.cell(r0, c0)
    return grid.cell(r, c)


def _candidates(grid: Grid, r: int, c: int, top: int) -> list[str]:
    lower = _merged_value(grid, r, c)
    upper = _merged_value(grid, r - 1, c) if r - 1 >= top else None
    texts = [str(t).strip() for t in (lower, upper) if not is_blank(t)]
    if len(texts) == 2:
        texts.append(texts[1] + texts[0])
    return texts


def locate_header(grid: Grid, fields: list[Field], mapping: dict[str, str] | None = None, *,
                  start: int = 0, scan: int = 30) -> Header:
    """The first row (from `start`) where every required field's header, saved or alias, is present."""
    mapping = mapping or {}
    wanted = {f.name: {header_key(mapping[f.name])} if mapping.get(f.name) else {header_key(a) for a in (f.label, *f.aliases)}
              for f in fields}
    best: list[str] | None = None
    for r in range(start, min(start + scan, len(grid.rows))):
        width = len(grid.rows[r])
        columns, texts = {}, {}
        for c in range(width):
            for text in _candidates(grid, r, c, start):
                name = next((f.name for f in fields if f.name not in columns and header_key(text) in wanted[f.name]), None)
                if name:
                    columns[name], texts[name] = c, text
                    break
        missing = [f.label for f in fields if f.required and f.name not in columns]
        if not missing:
            return Header(r, columns, texts, _scales(grid, fields, r, columns, start))
        if any(f.required and f.name in columns for f in fields) and (best is None or len(missing) < len(best)):
            best = missing
    raise HeaderNotFound(best or [f.label for f in fields if f.required])


def _scales(grid: Grid, fields: list[Field], r: int, columns: dict[str, int], start: int) -> dict[str, Decimal]:
    """万元 in a column's header (or a 单位：万元 line above the table) means amounts × 10000."""
    above = " ".join(normalize_text(v) for row in grid.rows[start:r] for v in row if not is_blank(v))
    row_texts = " ".join(t for c in range(len(grid.rows[r])) for t in _candidates(grid, r, c, start))
    sheet_wan = "单位:万元" in above.replace(" ", "") or "万元" in row_texts
    scales = {}
    for f in fields:
        if f.kind != "amount" or f.name not in columns:
            continue
        header = " ".join(_candidates(grid, r, columns[f.name], start))
        scales[f.name] = WAN if "万元" in header else Decimal(1) if "元" in header else WAN if sheet_wan else Decimal(1)
    return scales


def read_row(grid: Grid, r: int, fields: list[Field], header: Header, errors: list[RowError]) -> dict | None:
    """One row's values by field; bad cells are appended to `errors` and the row is None."""
    return read_rows(grid, [r], fields, header, errors)[0]


def read_rows(grid: Grid, rows: list[int], fields: list[Field], header: Header,
              errors: list[RowError]) -> list[dict | None]:
    """Rows' values by field, read column by column (fast for 100,000 rows); a row with a bad cell is None.
    Errors come out in row order, then in field order."""
    found: list[tuple[int, int, RowError]] = []
    columns, bad_rows = [], set()
    at = {r: i for i, r in enumerate(rows)} if grid.uncached else {}
    for order, f in enumerate(fields):
        c = header.columns.get(f.name)
        raw = _column(grid, rows, c)
        parsed, bad = _parse_column(f, raw, header.scales.get(f.name, _ONE))
        if f.required:  # an empty cell; a cell that could not be read keeps its own reason
            for i in [i for i, value in enumerate(parsed) if value is None]:
                bad.setdefault(i, CellError("不能为空"))
        for r, cc in grid.uncached:
            if cc == c and r in at:
                bad[at[r]] = CellError(UNCACHED_FORMULA)
        for i, error in bad.items():
            r, shown_raw = rows[i], "" if error.args == (UNCACHED_FORMULA,) else shown(raw[i])
            found.append((r, order, RowError(grid.sheet, r + 1, column_letter(c), shown_raw, f"{f.label}：{error}")))
            bad_rows.add(i)
        columns.append(parsed)
    names = [f.name for f in fields]
    values: list[dict | None] = [dict(zip(names, cells)) for cells in zip(*columns)]
    for i in bad_rows:
        values[i] = None
    found.sort(key=lambda e: (e[0], e[1]))
    errors.extend(e for _r, _o, e in found)
    return values


_ONE = Decimal(1)


def _column(grid: Grid, rows: list[int], c: int | None) -> list:
    if c is None:
        return [None] * len(rows)
    cells = grid.rows
    return [cells[r][c] if c < len(cells[r]) else None for r in rows]


_SLOW = object()  # a cell the common-type pass left for the full parser
# Per field kind, the cell type Excel usually gives and its conversion, which cannot fail: done for the whole
# column in one comprehension (most of 100,000 cells), the other cells then one by one.
# An empty cell (None) is None for every kind.
_COMMON_TYPE = {
    "date": lambda column, scale: [raw if type(raw) is date else None if raw is None else _SLOW for raw in column],
    "text": lambda column, scale: [unicodedata.normalize("NFKC", raw).strip() or None if type(raw) is str
                                   else None if raw is None else _SLOW for raw in column],
    "amount": lambda column, scale: [(Decimal(repr(raw)) * scale).quantize(_CENT) if type(raw) is float
                                     else None if raw is None else _SLOW for raw in column],
}


def _parse_column(f: Field, column: list, scale: Decimal) -> tuple[list, dict[int, CellError]]:
    """The column's values (None where a cell is bad) and its errors by position."""
    common = _COMMON_TYPE.get(f.kind)
    out = common(column, scale) if common else [None if raw is None else _SLOW for raw in column]
    parse, bad = PARSERS[f.kind], {}
    for i in [i for i, value in enumerate(out) if value is _SLOW]:
        try:
            out[i] = parse(column[i], scale)
        except CellError as error:
            out[i] = None
            bad[i] = error
    return out, bad


def row_is_blank(grid: Grid, r: int) -> bool:
    return all(v is None or (type(v) is str and not v.strip()) for v in grid.rows[r])  # is_blank, inlined: 100k rows
