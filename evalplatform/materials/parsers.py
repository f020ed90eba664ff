"""The three material layouts: 绩效自评表, fund ledger (资金台账), declared output/beneficiary lists."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .reading import (UNCACHED_FORMULA, Grid, RowError, column_letter, header_key, is_blank, normalize_text,
                      parse_decimal, parse_text, shown)
from .tables import Field, Header, HeaderNotFound, locate_header, read_row, read_rows, row_is_blank

LEDGER_FIELDS = [
    Field("entry_date", "日期", ("记账日期", "凭证日期", "支付日期", "发生日期", "业务日期"), "date"),
    Field("kind", "类型", ("业务类型", "资金类型", "收支类型", "款项类型", "资金性质")),
    Field("amount", "金额", ("发生额", "金额(元)", "金额(万元)", "支付金额", "到位金额", "拨付金额", "支出金额"), "amount"),
    Field("voucher_no", "凭证号", ("凭证编号", "凭证字号", "记账凭证号", "凭证号码")),
    Field("payee", "收款单位", ("收款人", "对方单位", "收款方", "往来单位"), required=False),
    Field("purpose", "摘要", ("用途", "资金用途", "事由"), required=False),
    Field("contract_date", "合同签订日期", ("合同日期", "签订日期", "合同签订时间"), "date", required=False),
]
BUDGET_FIELDS = [
    Field("item", "项目资金", ("资金项目", "资金来源", "项目", "预算项目", "资金"), required=False),
    Field("initial_budget", "年初预算数", ("年初预算", "年初预算金额"), "amount"),
    Field("annual_budget", "全年预算数", ("全年预算", "调整后预算数", "全年预算金额"), "amount"),
    Field("executed", "全年执行数", ("全年执行", "实际执行数", "执行数", "实际支出数"), "amount"),
    Field("weight", "分值", ("分数", "权重"), "decimal", required=False),
    Field("execution_rate", "执行率", ("预算执行率", "执行率(%)"), "rate", required=False),
    Field("points", "得分", ("自评得分",), "decimal", required=False),
]
INDICATOR_FIELDS = [
    # Merged downwards: blank on all but the first row of a block, so checked after filling down.
    Field("level1", "一级指标", (), required=False),
    Field("level2", "二级指标", (), required=False),
    Field("level3", "三级指标", ("指标名称",)),
    Field("target_value", "年度指标值", ("指标值", "年度目标值", "目标值"), required=False),
    Field("actual_value", "实际完成值", ("实际值", "全年实际值", "完成值")),
    Field("weight", "分值", ("分数", "权重"), "decimal", required=False),
    Field("points", "得分", ("自评得分",), "decimal", required=False),
    Field("deviation_note", "偏差原因分析及改进措施", ("偏差原因分析", "偏差原因", "偏差原因及改进措施"), required=False),
]
LEDGER_KIND_WORDS = [("到位", ("到位", "拨入", "收到", "下达", "收入")), ("拨付", ("拨付", "拨出", "转拨")),
                     ("支出", ("支出", "支付", "报销", "付款", "列支"))]
_NUMBER_IN_TEXT = re.compile(r"[-+]?\d+(?:\.\d+)?")


@dataclass
class Parsed:
    """What a file yielded: rows ready to store, or the errors that refuse it."""
    sheet: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _header_error(grid: Grid, missing: list[str]) -> RowError:
    return RowError(grid.sheet, 0, "", "", "找不到表头：缺少 " + "、".join(missing))


def _first_table(grids: list[Grid], fields: list[Field], mapping: dict) -> tuple[Grid, Header] | RowError:
    failure = None
    for grid in grids:
        try:
            return grid, locate_header(grid, fields, mapping)
        except HeaderNotFound as missing:
            failure = failure or _header_error(grid, missing.missing)
    return failure or RowError("", 0, "", "", "工作簿中没有工作表")


def ledger_kind(text: str) -> str | None:
    for kind, words in LEDGER_KIND_WORDS:
        if any(w in text for w in words):
            return kind
    return None


def parse_ledger(grids: list[Grid], mapping: dict) -> Parsed:
    found = _first_table(grids, LEDGER_FIELDS, mapping)
    if isinstance(found, RowError):
        return Parsed(errors=[found])
    grid, header = found
    parsed = Parsed(grid.sheet, header.texts, {"ledger": []})
    kind_column = header.columns["kind"]
    rows = [r for r in range(header.row + 1, len(grid.rows))
            if not row_is_blank(grid, r) or any(k[0] == r for k in grid.uncached)]
    kinds: dict[str, str | None] = {}
    for r, values in zip(rows, read_rows(grid, rows, LEDGER_FIELDS, header, parsed.errors)):
        if values is None:
            continue
        text = values["kind"]
        kind = kinds[text] if text in kinds else kinds.setdefault(text, ledger_kind(text))
        if kind is None:
            parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(kind_column), shown(text),
                                          "类型：应为 资金到位、拨付 或 支出"))
            continue
        values.update(kind=kind, row_number=r + 1)
        parsed.rows["ledger"].append(values)
    parsed.errors.sort(key=lambda e: e.row)
    return parsed


def parse_self_assessment(grids: list[Grid], mapping: dict) -> Parsed:
    found = _first_table(grids, BUDGET_FIELDS, mapping)
    if isinstance(found, RowError):
        return Parsed(errors=[found])
    grid, budget_header = found
    parsed = Parsed(grid.sheet, {}, {"budget": [], "indicators": []})
    try:
        indicator_header = locate_header(grid, INDICATOR_FIELDS, mapping, start=budget_header.row + 1, scan=200)
    except HeaderNotFound as missing:
        parsed.errors.append(_header_error(grid, missing.missing))
        return parsed
    parsed.mapping = {**budget_header.texts, **{f"indicator.{k}": v for k, v in indicator_header.texts.items()}}
    _budget_rows(grid, budget_header, indicator_header.row, parsed)
    _indicator_rows(grid, indicator_header, parsed)
    return parsed


def _budget_rows(grid: Grid, header: Header, stop: int, parsed: Parsed) -> None:
    item_column = header.columns.get("item", max(header.columns["initial_budget"] - 1, 0))
    header.columns.setdefault("item", item_column)
    for r in range(header.row + 1, stop):
        if "目标" in (parse_text(grid.cell(r, item_column)) or ""):
            break  # 年度总体目标 follows the budget block
        budgets = [grid.cell(r, header.columns[k]) for k in ("initial_budget", "annual_budget")]
        if all(is_blank(v) for v in budgets) and not any((r, header.columns[k]) in grid.uncached
                                                        for k in ("initial_budget", "annual_budget")):
            if parsed.rows["budget"]:
                break  # the budget block has ended (年度总体目标 and the like follow)
            continue
        values = read_row(grid, r, BUDGET_FIELDS, header, parsed.errors)
        if values is not None:
            values.update(item=values["item"] or f"第{r + 1}行", row_number=r + 1)
            parsed.rows["budget"].append(values)


def _indicator_rows(grid: Grid, header: Header, parsed: Parsed) -> None:
    level1 = level2 = None
    label_columns = sorted(header.columns.values())[:3]
    for r in range(header.row + 1, len(grid.rows)):
        if row_is_blank(grid, r):
            continue
        first = "".join(normalize_text(grid.cell(r, c) or "") for c in range(0, max(label_columns) + 1))
        if first.startswith(("总分", "合计")) or "总分" in first[:6]:
            break
        # 一级/二级指标 cells are merged downwards: the value is on the first row of each block.
        level1 = parse_text(grid.cell(r, header.columns.get("level1", 0))) or level1
        level2 = parse_text(grid.cell(r, header.columns.get("level2", 0))) or level2
        values = read_row(grid, r, INDICATOR_FIELDS, header, parsed.errors)
        if values is None:
            continue
        if level1 is None or level2 is None:
            parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(header.columns.get("level1", 0)), "",
                                          "一级指标/二级指标：不能为空"))
            continue
        values.update(level1=level1, level2=level2, row_number=r + 1,
                      actual_number=_number_in(values["actual_value"]))
        if values["weight"] is not None and values["points"] is not None and values["points"] > values["weight"]:
            parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(header.columns["points"]),
                                          shown(values["points"]), "得分：超过该指标的分值"))
            continue
        parsed.rows["indicators"].append(values)


def _number_in(text: str | None):
    if not text:
        return None
    match = _NUMBER_IN_TEXT.search(normalize_text(text).replace(",", ""))
    return parse_decimal(match.group(0)) if match else None


def parse_declared_list(grids: list[Grid], key_column: str) -> Parsed:
    wanted = header_key(key_column or "")
    if not wanted:
        return Parsed(errors=[RowError("", 0, "", "", "请填写关键列（如 身份证号、户主姓名、项目编号）")])
    for grid in grids:
        for r in range(min(30, len(grid.rows))):
            headers = {c: normalize_text(v) for c, v in enumerate(grid.rows[r]) if not is_blank(v)}
            key_c = next((c for c, h in headers.items() if header_key(h) == wanted), None)
            if key_c is not None:
                return _list_rows(grid, r, headers, key_c)
    return Parsed(errors=[RowError("", 0, "", "", f"找不到关键列“{key_column}”")])


def _list_rows(grid: Grid, header_row: int, headers: dict[int, str], key_c: int) -> Parsed:
    parsed = Parsed(grid.sheet, {"key": headers[key_c]}, {"items": []}, columns=list(headers.values()))
    seen: dict[str, int] = {}
    for r in range(header_row + 1, len(grid.rows)):
        if row_is_blank(grid, r) and not any(k[0] == r for k in grid.uncached):
            continue
        bad = [c for c in headers if (r, c) in grid.uncached]
        for c in bad:
            parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(c), "", f"{headers[c]}：{UNCACHED_FORMULA}"))
        key = parse_text(grid.cell(r, key_c))
        if key is None:
            if not bad or key_c not in bad:
                parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(key_c), "", f"{headers[key_c]}：不能为空"))
            continue
        if key in seen:
            parsed.errors.append(RowError(grid.sheet, r + 1, column_letter(key_c), shown(key),
                                          f"{headers[key_c]}：与第 {seen[key]} 行重复"))
            continue
        seen[key] = r + 1
        if not bad:
            data = {h: parse_text(grid.cell(r, c)) for c, h in headers.items()}
            parsed.rows["items"].append({"row_number": r + 1, "key": key[:200], "data": data})
    return parsed
