"""Fund ledgers (资金台账) and declared output/beneficiary lists: fields, synonyms, and rows read in chunks so
that a 1,000,000-row ledger never sits in memory as Python objects at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterator

from .layout import (
    CARRY_WORDS,
    NOTE_STARTS,
    TOTAL_WORDS,
    Field,
    HeaderNotFound,
    Layout,
    detect,
    first_text,
    is_column_number_row,
    is_header_repeat,
    is_note,
    is_total,
)
from .reading import (
    UNCACHED_FORMULA,
    Grid,
    RowError,
    column_letter,
    header_key,
    normalize_text,
    parse_decimal,
    parse_text,
    shown,
)
from .tables import read_rows, row_is_blank

LEDGER_FIELDS = [
    Field(
        "entry_date",
        "日期",
        (
            "记账日期",
            "凭证日期",
            "支付日期",
            "发生日期",
            "业务日期",
            "入账日期",
            "拨付日期",
            "付款日期",
            "日期(年月日)",
            "Date",
            "Posting date",
            "Voucher date",
        ),
        "date",
        required=False,
    ),  # or 月 and 日 columns under a year (a hand-kept 明细账): see ledger_missing
    Field("month", "月", ("月份",), "points", required=False),
    Field("day", "日", (), "points", required=False),
    Field(
        "voucher_no",
        "凭证号",
        (
            "凭证编号",
            "凭证字号",
            "记账凭证号",
            "凭证号码",
            "凭证字",
            "凭证",
            "凭单号",
            "Voucher",
            "Voucher no",
            "Voucher no.",
            "Voucher number",
        ),
        required=True,
    ),
    Field(
        "kind",
        "类型",
        ("业务类型", "资金类型", "收支类型", "款项类型", "资金性质", "收支", "类别", "Type"),
        required=False,
    ),
    Field(
        "amount",
        "金额",
        ("发生额", "金额(元)", "金额(万元)", "支付金额", "到位金额", "拨付金额", "支出金额", "发生金额", "Amount"),
        "amount",
        required=False,
    ),
    # 借方/贷方 are left to the evaluator: which one is money in depends on the account the ledger is of.
    Field(
        "amount_in",
        "收入金额",
        ("收入", "到位", "资金到位", "拨入金额", "收入(元)", "到位资金", "Receipts", "Amount in"),
        "amount",
        required=False,
    ),
    Field(
        "amount_out",
        "支出金额",
        ("支出", "付出", "拨出金额", "支出(元)", "实际支出", "Payments", "Amount out"),
        "amount",
        required=False,
    ),
    Field(
        "payee",
        "收款单位",
        ("收款人", "对方单位", "收款方", "往来单位", "收款单位名称", "单位名称", "Payee"),
        required=False,
    ),
    Field("purpose", "摘要", ("用途", "资金用途", "事由", "摘要说明", "Description", "Memo"), required=False),
    Field(
        "contract_date",
        "合同签订日期",
        ("合同日期", "签订日期", "合同签订时间", "Contract date"),
        "date",
        required=False,
    ),
]
LEDGER_KIND_WORDS = [
    ("到位", ("到位", "拨入", "收到", "下达", "收入")),
    ("拨付", ("拨付", "拨出", "转拨", "拨款")),
    ("支出", ("支出", "支付", "报销", "付款", "列支", "报账")),
]
CHUNK_ROWS = 20_000
_CARRY = re.compile("|".join(CARRY_WORDS))
MAX_ERRORS = 1_000  # errors kept to show; the count of all is reported beside them


@dataclass
class Parsed:
    """What a file yielded: rows ready to store, or the errors that refuse it."""

    sheet: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    error_count: int = 0


def header_error(sheet: str, missing: list[str]) -> RowError:
    return RowError(sheet, 0, "", "", "找不到表头：缺少 " + "、".join(missing))


def find_table(
    grids: list[Grid], fields: list[Field], mapping: dict, check=None, partial: bool = False
) -> tuple[Grid, Layout] | RowError:
    """The first sheet with a header block for `fields`; `check(layout)` may list what is still missing.
    `partial`: a block with fields missing will do (for the evaluator to complete)."""
    failure = None
    for grid in grids:
        try:
            layout = detect(grid, fields, mapping, partial=partial)
        except HeaderNotFound as missing:
            failure = failure or header_error(grid.sheet, missing.missing)
            continue
        still = check(layout) if check else []
        if not still or partial:
            return grid, layout
        failure = failure or header_error(grid.sheet, still)
    return failure or RowError("", 0, "", "", "工作簿中没有工作表")


def ledger_missing(layout: Layout) -> list[str]:
    """A ledger needs a 日期 (or 月 and 日 under a year), and 金额 with 类型 or separate 收入/支出 columns."""
    has = set(layout.columns)
    missing = [] if "entry_date" in has or {"month", "day"} <= has else ["日期"]
    if not ({"amount", "kind"} <= has or {"amount_in", "amount_out"} & has):
        missing.append("金额" if "amount" not in has else "类型")
    return missing


_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")


def ledger_year(grid: Grid, layout: Layout) -> int | None:
    """The year of a ledger kept by 月/日: written over those columns (2025年 merged above) or in the title."""
    texts = [layout.headers.get(layout.columns[k], "") for k in ("month", "day") if k in layout.columns]
    texts += [str(v) for row in grid.rows[: layout.bottom + 1] for v in row if isinstance(v, str)]
    found = next((m for t in texts if (m := _YEAR.search(normalize_text(t)))), None)
    return int(found.group(1)) if found else None


def ledger_kind(text: str) -> str | None:
    for kind, words in LEDGER_KIND_WORDS:
        if any(w in text for w in words):
            return kind
    return None


def ledger_chunks(grid: Grid, layout: Layout) -> Iterator[tuple[list[dict], list[RowError]]]:
    """(good rows, errors) per chunk of the body; rows already read in `grid.rows` first, then `grid.more`."""
    first = layout.bottom + 1
    skip, year = _Skipper(grid, layout), ledger_year(grid, layout)
    for chunk in _body_chunks(grid, first):
        rows = [r for r in range(chunk.base, chunk.base + len(chunk.rows)) if skip.is_data(chunk, r)]
        errors: list[RowError] = []
        values = read_rows(chunk, rows, LEDGER_FIELDS, layout, errors)
        yield _ledger_values(chunk, rows, values, layout, errors, year), errors


def _body_chunks(grid: Grid, first: int) -> Iterator[Grid]:
    head = grid.rows[first:]
    if head:
        yield Grid(grid.sheet, head, grid.uncached, grid.merged, base=first)
    if grid.more is None:
        return
    base, batch, pad = len(grid.rows), [], [""] * grid.column_offset
    for row in grid.more:
        batch.append(pad + row if pad else row)
        if len(batch) == CHUNK_ROWS:
            yield Grid(grid.sheet, batch, grid.uncached, grid.merged, base=base)
            base, batch = base + len(batch), []
    if batch:
        yield Grid(grid.sheet, batch, grid.uncached, grid.merged, base=base)


class _Skipper:
    """Which body rows are data: not blank, not a 合计/注 line, not 承前页/期初余额, not the header printed again
    or a column-number row. Runs on each of 1,000,000 rows: cheap checks first, normalising only candidates."""

    def __init__(self, grid: Grid, layout: Layout):
        self.layout = layout
        self.purpose = layout.columns.get("purpose")
        header = [(c, grid.cell(layout.bottom, c)) for c in layout.columns.values()]
        self.header = [(c, v.strip()) for c, v in header if isinstance(v, str) and v.strip()]
        self.header_texts = {text for _c, text in self.header} | {"序号"}
        self.starts = {w[0] for w in (*NOTE_STARTS, *TOTAL_WORDS)} | {"注"}

    def is_data(self, chunk: Grid, r: int) -> bool:
        values = chunk.rows[r - chunk.base]
        first = (
            values[0]
            if values and type(values[0]) in (int, float)
            else next((v for v in values if not (v is None or (type(v) is str and not v.strip()))), None)
        )  # 序号 first: fast
        if first is None:
            return any(k[0] == r for k in chunk.uncached)  # blank, unless a formula lost its value there
        if type(first) is str and not self._plain_start(chunk, r, values, first.strip()):
            return False
        purpose = values[self.purpose] if self.purpose is not None and self.purpose < len(values) else None
        if type(purpose) is str and _CARRY.search(purpose):
            return False
        return not (r < self.layout.bottom + 4 and is_column_number_row(chunk, r))

    def _plain_start(self, chunk: Grid, r: int, values: list, first: str) -> bool:
        """False for a 合计/注 line or the header printed again (a row starting with text, which is rare)."""
        if first[:1] in self.starts:
            text = first_text(chunk, r)
            if is_total(text) or is_note(text):
                return False
        if first in self.header_texts:
            same = sum(c < len(values) and values[c] == text for c, text in self.header)
            return same < max(2, len(self.header) // 2)
        return True


def _ledger_values(
    chunk: Grid,
    rows: list[int],
    values: list[dict | None],
    layout: Layout,
    errors: list[RowError],
    year: int | None = None,
) -> list[dict]:
    good, kinds = [], {}
    for r, row in zip(rows, values):
        if row is None:
            continue
        problem = _entry_date(row, layout, year)
        if problem:
            column = layout.columns.get("entry_date", layout.columns.get("month", 0))
            errors.append(RowError(chunk.sheet, r + 1, column_letter(column), shown(row.get("day")), problem))
            continue
        kind, amount, problem = _kind_and_amount(row, kinds)
        if problem:
            column = layout.columns.get("kind", layout.columns.get("amount_in", layout.columns.get("amount", 0)))
            errors.append(RowError(chunk.sheet, r + 1, column_letter(column), shown(row.get("kind")), problem))
            continue
        row.update(kind=kind, amount=amount, row_number=r + 1)
        good.append(row)
    errors.sort(key=lambda e: e.row)
    return good


def _entry_date(row: dict, layout: Layout, year: int | None) -> str | None:
    """The row's date: its 日期 cell, or 月 and 日 with the ledger's year. A reason when there is none."""
    month, day = row.pop("month", None), row.pop("day", None)
    if row.get("entry_date") is not None:
        return None
    if "entry_date" in layout.columns:
        return "日期：不能为空"
    if year is None:
        return "日期：表头和标题中找不到年份（如“2025年”）"
    try:
        row["entry_date"] = date(year, int(month), int(day))
    except (TypeError, ValueError):
        return "日期：月、日不是有效日期"
    return None


def _kind_and_amount(row: dict, kinds: dict) -> tuple[str | None, Decimal | None, str | None]:
    money_in, money_out = row.pop("amount_in", None), row.pop("amount_out", None)
    if row.get("amount") is not None and row.get("kind"):
        text = row["kind"]
        kind = kinds[text] if text in kinds else kinds.setdefault(text, ledger_kind(text))
        return (kind, row["amount"], None) if kind else (None, None, "类型：应为 资金到位、拨付 或 支出")
    if money_in and money_out:
        return None, None, "收入金额和支出金额同时有数，无法判断类型"
    if money_in:
        return "到位", money_in, None
    if money_out:
        kind = ledger_kind(row.get("kind") or "") if row.get("kind") else None
        return kind if kind in ("拨付", "支出") else "支出", money_out, None
    return None, None, "金额：不能为空"


# --- declared lists (产出/受益对象清单) ---------------------------------------------------------------------------


def parse_declared_list(grids: list[Grid], key_column: str) -> Parsed:
    wanted = header_key(key_column or "")
    if not wanted:
        return Parsed(errors=[RowError("", 0, "", "", "请填写关键列（如 身份证号、户主姓名、项目编号）")])
    key_field = [Field("key", key_column, ())]
    for grid in grids:
        try:
            layout = detect(grid, key_field)
        except HeaderNotFound:
            continue
        return list_rows(grid, layout)
    return Parsed(errors=[RowError("", 0, "", "", f"找不到关键列“{key_column}”")])


def list_rows(grid: Grid, layout: Layout) -> Parsed:
    """Every column of the list kept by its header; the key column must be filled and unique."""
    key_c = layout.columns["key"]
    headers = {c: normalize_text(text.split("/")[-1]) for c, text in layout.headers.items()}
    parsed = Parsed(grid.sheet, {"key": headers[key_c]}, {"items": []}, columns=list(headers.values()))
    seen: dict[str, int] = {}
    for r in range(layout.bottom + 1, len(grid.rows)):
        if row_is_blank(grid, r) and not any(k[0] == r for k in grid.uncached):
            continue
        text = first_text(grid, r)
        if is_note(text):
            break
        if is_total(text) or is_header_repeat(grid, r, layout) or is_column_number_row(grid, r):
            continue
        _list_row(grid, r, headers, key_c, parsed, seen)
    return parsed


def _list_row(grid: Grid, r: int, headers: dict[int, str], key_c: int, parsed: Parsed, seen: dict) -> None:
    bad = [c for c in headers if (r, c) in grid.uncached]
    for c in bad:
        parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(c), "", f"{headers[c]}：{UNCACHED_FORMULA}"))
    key = parse_text(grid.cell(r, key_c))
    if key is None:
        if key_c not in bad:
            parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(key_c), "", f"{headers[key_c]}：不能为空"))
        return
    if key in seen:
        parsed.errors.append(
            RowError(grid.sheet, r + 1, column_letter(key_c), shown(key), f"{headers[key_c]}：与第 {seen[key]} 行重复")
        )
        return
    seen[key] = r + 1
    if not bad:
        data = {h: parse_text(grid.cell(r, c)) for c, h in headers.items()}
        parsed.rows["items"].append({"row_number": r + 1, "key": key[:200], "data": data})


_NUMBER_IN_TEXT = re.compile(r"[-+]?\d+(?:\.\d+)?")


def number_in(text: str | None):
    """The first number in a text such as 126.4公里 (实际完成值), or None."""
    if not text:
        return None
    match = _NUMBER_IN_TEXT.search(normalize_text(text).replace(",", ""))
    return parse_decimal(match.group(0)) if match else None
