"""Layout detection: where a county table's header block is (title rows above, one to three header rows with
merged cells), which column holds which field (by synonyms, Chinese and English), and which body rows are not
data (notes, 合计/小计, repeated headers, column-number rows). The evaluator confirms or changes the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .reading import Grid, header_key, is_blank, normalize_text

WAN = Decimal(10000)
HEADER_SCAN = 40  # rows searched for a header block (title, project facts and a budget block come first)
MAX_HEADER_DEPTH = 3


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # the standard Chinese header, shown in errors and on the mapping page
    aliases: tuple[str, ...]
    kind: str = "text"  # text | amount | decimal | rate | date
    required: bool = True


@dataclass
class Layout:
    """One table found in a sheet: header rows, the column of each field, and the body that follows."""

    sheet: str
    top: int  # 0-based first header row
    bottom: int  # 0-based last header row; data follows
    columns: dict[str, int]  # field name -> column index
    texts: dict[str, str]  # field name -> header text as found (saved with the import)
    headers: dict[int, str] = field(default_factory=dict)  # every column's header text, for the mapping page
    scales: dict[str, Decimal] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # required fields' labels not found
    manual: bool = False  # set by the evaluator on the mapping page

    @property
    def row(self) -> int:
        return self.bottom


class HeaderNotFound(Exception):
    def __init__(self, missing: list[str]):
        super().__init__("、".join(missing))
        self.missing = missing


def merged_value(grid: Grid, r: int, c: int):
    """A cell's value, or the value of the merged range that covers it."""
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return grid.cell(r0, c0)
    return grid.cell(r, c)


def _width(grid: Grid, top: int, bottom: int) -> int:
    return max((len(grid.rows[r]) for r in range(top, min(bottom + 1, len(grid.rows)))), default=0)


def column_headers(grid: Grid, top: int, bottom: int) -> dict[int, list[str]]:
    """Each column's header parts, top to bottom, merged cells filled across and down, repeats dropped."""
    parts: dict[int, list[str]] = {}
    for c in range(_width(grid, top, bottom)):
        texts: list[str] = []
        for r in range(top, bottom + 1):
            value = merged_value(grid, r, c)
            if not is_blank(value):
                text = " ".join(str(value).split())
                if not texts or header_key(texts[-1]) != header_key(text):
                    texts.append(text)
        if texts:
            parts[c] = texts
    return parts


def _matches(parts: list[str], wanted: set[str]) -> int:
    """3: the lowest part is a synonym; 2: the joined parts are; 1: a long synonym is inside the lowest part."""
    if not wanted:
        return 0
    keys = [header_key(p) for p in parts]
    if keys[-1] in wanted:
        return 3
    if header_key("".join(parts)) in wanted or any(k in wanted for k in keys):
        return 2
    if any(len(w) >= 4 and (w in keys[-1]) for w in wanted):
        return 1
    return 0


def _score(parts: list[str], f: Field, saved: dict[str, str]) -> int:
    """A header saved for this field (an evaluator's earlier choice) outranks the standard label, and the label
    outranks a synonym (三级指标 beats 绩效指标 when a form has both)."""
    own = _matches(parts, {header_key(saved[f.name])} if saved.get(f.name) else set())
    if own:
        return own + 4
    label = _matches(parts, {header_key(f.label)})
    return label + 1 if label >= 2 else _matches(parts, {header_key(a) for a in (f.label, *f.aliases)})


def assign(parts: dict[int, list[str]], fields: list[Field], saved: dict[str, str]) -> dict[str, int]:
    """Columns for fields, strongest matches first; each column serves one field, each field one column."""
    scored = sorted(
        (
            (score, -c, -f_index, f.name, c)
            for f_index, f in enumerate(fields)
            for c, p in parts.items()
            if (score := _score(p, f, saved))
        ),
        reverse=True,
    )
    columns: dict[str, int] = {}
    used: set[int] = set()
    for *_ranks, name, c in scored:
        if name not in columns and c not in used:
            columns[name], _ = c, used.add(c)
    return columns


def detect(
    grid: Grid,
    fields: list[Field],
    saved: dict[str, str] | None = None,
    *,
    start: int = 0,
    scan: int = HEADER_SCAN,
    partial: bool = False,
) -> Layout:
    """The header block (from `start`) where the most fields are found, every required one among them.
    `partial`: failing that, the block where most were found (its `missing` lists the rest), for the evaluator
    to complete on the mapping page."""
    saved = {k: v for k, v in (saved or {}).items() if v}
    best = best_partial = None
    fewest_missing = None
    end = min(start + scan, len(grid.rows))
    for top in range(start, end):
        if best is not None and top > best[1][1]:
            break  # the first complete header block wins; later rows are its body
        if all(is_blank(v) for v in grid.rows[top]):
            continue
        for bottom in range(top, min(top + MAX_HEADER_DEPTH, end)):
            parts = column_headers(grid, top, bottom)
            columns = assign(parts, fields, saved)
            missing = [f.label for f in fields if f.required and f.name not in columns]
            key = (len(columns), top - bottom, -top)
            if not missing and (best is None or key > best[0]):
                best = (key, (top, bottom, parts, columns))
            elif missing:
                if any(f.required and f.name in columns for f in fields) and (
                    fewest_missing is None or len(missing) < len(fewest_missing)
                ):
                    fewest_missing = missing
                if len(columns) >= 2 and (best_partial is None or key > best_partial[0]):
                    best_partial = (key, (top, bottom, parts, columns))
    if best is None and partial and best_partial is not None:
        best = best_partial
    if best is None:
        raise HeaderNotFound(fewest_missing or [f.label for f in fields if f.required])
    return _layout(grid, fields, *best[1])


def layout_from_columns(grid: Grid, fields: list[Field], top: int, bottom: int, columns: dict[str, int]) -> Layout:
    """A layout the evaluator set by hand on the mapping page (column per field, header rows)."""
    parts = column_headers(grid, top, bottom)
    layout = _layout(grid, fields, top, bottom, parts, {k: c for k, c in columns.items() if c is not None})
    layout.manual = True
    return layout


def _layout(
    grid: Grid, fields: list[Field], top: int, bottom: int, parts: dict[int, list[str]], columns: dict[str, int]
) -> Layout:
    headers = {c: "/".join(p) for c, p in parts.items()}
    texts = {name: parts[c][-1] if c in parts else "" for name, c in columns.items()}
    missing = [f.label for f in fields if f.required and f.name not in columns]
    layout = Layout(grid.sheet, top, bottom, columns, texts, headers, missing=missing)
    layout.scales = _scales(grid, fields, layout)
    return layout


def _scales(grid: Grid, fields: list[Field], layout: Layout) -> dict[str, Decimal]:
    """万元 in a column's header (or a 单位：万元 line above the table) means amounts × 10000."""
    above = "".join(
        normalize_text(v) for row in grid.rows[max(0, layout.top - 6) : layout.top] for v in row if not is_blank(v)
    ).replace(" ", "")
    sheet_wan = (
        bool(re.search(r"单位[:：]?(人民币)?万元", above))
        or "(万元)" in above
        or any("万元" in h for h in layout.headers.values())
    )
    scales = {}
    for f in fields:
        if f.kind == "amount" and f.name in layout.columns:
            header = layout.headers.get(layout.columns[f.name], "")
            scales[f.name] = (
                WAN if "万元" in header else Decimal(1) if "元" in header else WAN if sheet_wan else Decimal(1)
            )
    return scales


# --- rows that are not data ----------------------------------------------------------------------------------

NOTE_STARTS = (
    "注:",
    "注：",
    "注1",
    "注 ",
    "说明:",
    "说明：",
    "备注:",
    "备注：",
    "填表说明",
    "填报说明",
    "填表人",
    "填报人",
    "制表人",
    "制表:",
    "制表：",
    "审核人",
    "审核:",
    "审核：",
    "单位负责人",
    "财务负责人",
    "项目负责人",
    "联系电话",
    "联系人",
    "填报日期",
    "填表日期",
    "Note",
    "Notes",
)
TOTAL_WORDS = ("合计", "总计", "小计", "总分", "本月合计", "本年累计", "累计", "Total", "TOTAL", "Subtotal")
CARRY_WORDS = ("承前页", "承上页", "过次页", "转下页", "期初余额", "上年结转", "年初余额", "本月合计", "本年累计")
_COLUMN_NUMBER = re.compile(r"[(（]?([0-9]{1,2}|[一二三四五六七八九十甲乙丙丁]{1,2})[)）]?([=＝].*)?|栏次|行次")


def _values(grid: Grid, r: int) -> list:
    r -= grid.base
    return grid.rows[r] if 0 <= r < len(grid.rows) else []


def first_text(grid: Grid, r: int) -> str:
    for value in _values(grid, r):
        if not is_blank(value):
            return re.sub(r"\s+", "", normalize_text(value))
    return ""


def is_note(text: str) -> bool:
    return text.startswith(NOTE_STARTS) or bool(re.match(r"^注[0-9一二三:：、.]", text))


def is_total(text: str) -> bool:
    return any(text.startswith(w) for w in TOTAL_WORDS)


def is_carry(grid: Grid, r: int) -> bool:
    return any(
        w in normalize_text(v).replace(" ", "") for v in _values(grid, r) if isinstance(v, str) for w in CARRY_WORDS
    )


def is_column_number_row(grid: Grid, r: int) -> bool:
    """甲 乙 1 2 3=2/1 … under a form's header: column numbers, not data."""
    values = [normalize_text(v) for v in _values(grid, r) if not is_blank(v)]
    return len(values) >= 2 and all(_COLUMN_NUMBER.fullmatch(v.replace(" ", "")) for v in values)


def is_header_repeat(grid: Grid, r: int, layout: Layout) -> bool:
    """A header printed again on each page of a long table."""
    found = [
        c
        for name, c in layout.columns.items()
        if layout.texts.get(name) and header_key(grid.cell(r, c) or "") == header_key(layout.texts[name])
    ]
    return len(found) >= max(2, len(layout.columns) // 2)
