"""绩效自评表 and 绩效目标表: found in the county's layout, extracted as cell texts (what the evaluator reviews and
corrects on the draft page), then validated into typed rows. Small tables: read whole, never streamed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ..indicators.target_text import parse_target
from .layout import (
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
from .parsers import Parsed, find_table, header_error, number_in
from .reading import UNCACHED_FORMULA, CellError, Grid, RowError, column_letter, is_blank, shown
from .tables import PARSERS

BUDGET_FIELDS = [
    Field(
        "item",
        "项目资金",
        ("资金项目", "资金来源", "项目", "预算项目", "资金", "资金情况", "项目资金情况", "Funding", "Item"),
        required=False,
    ),
    Field(
        "initial_budget",
        "年初预算数",
        ("年初预算", "年初预算金额", "年初预算数(万元)", "年初批复数", "Initial budget"),
        "amount",
    ),
    Field(
        "annual_budget",
        "全年预算数",
        ("全年预算", "调整后预算数", "全年预算金额", "调整预算数", "全年预算数(A)", "Annual budget", "Adjusted budget"),
        "amount",
    ),
    Field(
        "executed",
        "全年执行数",
        ("全年执行", "实际执行数", "执行数", "实际支出数", "全年执行数(B)", "实际支出", "Executed", "Actual spending"),
        "amount",
    ),
    Field("weight", "分值", ("分数", "权重", "Weight", "Points"), "points", required=False),
    Field(
        "execution_rate", "执行率", ("预算执行率", "执行率(%)", "执行率(B/A)", "Execution rate"), "rate", required=False
    ),
    Field("points", "得分", ("自评得分", "Score"), "points", required=False),
]
LEVEL_FIELDS = [
    Field("level1", "一级指标", ("一级", "Level 1", "Category"), required=False),
    Field("level2", "二级指标", ("二级", "Level 2", "Subcategory"), required=False),
    Field(
        "level3",
        "三级指标",
        ("指标名称", "绩效指标", "三级", "指标内容", "具体指标", "Indicator", "Level 3", "Indicator name"),
    ),
]
INDICATOR_FIELDS = LEVEL_FIELDS + [
    Field(
        "target_value",
        "年度指标值",
        (
            "指标值",
            "年度目标值",
            "目标值",
            "预期指标值",
            "年度指标",
            "计划指标值",
            "Target",
            "Target value",
            "Annual target",
        ),
        required=False,
    ),
    Field(
        "actual_value",
        "实际完成值",
        (
            "实际值",
            "全年实际值",
            "完成值",
            "实际完成情况",
            "实际完成指标值",
            "全年实际完成值",
            "全年完成值",
            "完成情况",
            "实际完成",
            "Actual",
            "Actual value",
            "Result",
        ),
    ),
    Field("weight", "分值", ("分数", "权重", "指标分值", "Weight", "Points"), "points", required=False),
    Field("points", "得分", ("自评得分", "实际得分", "Score"), "points", required=False),
    Field(
        "deviation_note",
        "偏差原因分析及改进措施",
        ("偏差原因分析", "偏差原因", "偏差原因及改进措施", "未完成原因分析", "原因分析", "Deviation", "Remarks"),
        required=False,
    ),
]
TARGET_FIELDS = LEVEL_FIELDS + [
    Field(
        "target_value",
        "指标值",
        (
            "年度指标值",
            "目标值",
            "年度目标值",
            "绩效指标值",
            "指标目标值",
            "预期指标值",
            "计划指标值",
            "绩效目标值",
            "预期目标值",
            "Target",
            "Target value",
        ),
        required=True,
    ),
    Field(
        "operator",
        "指标性质",
        ("符号", "运算符", "比较符", "指标符号", "计算符号", "指标值符号", "指标方向", "Operator"),
        required=False,
    ),
    Field("unit", "度量单位", ("计量单位", "单位", "指标单位", "Unit"), required=False),
    Field("weight", "分值", ("权重", "分值/权重", "指标分值", "权重(%)", "Weight", "Points"), "points", required=False),
]
SECTION_FIELDS = {"budget": BUDGET_FIELDS, "indicator": INDICATOR_FIELDS, "target": TARGET_FIELDS}


@dataclass
class Extracted:
    """A review table: each row's cells as text by field, before any is converted."""

    sheet: str = ""
    mapping: dict[str, str] = field(default_factory=dict)  # "section.field" -> header as found
    rows: list[dict] = field(default_factory=list)  # {"section", "row", "cells": {field: text}, "uncached"}
    scales: dict[str, str] = field(default_factory=dict)  # "section.field" -> "10000" for 万元 columns
    letters: dict[str, str] = field(default_factory=dict)  # "section.field" -> column letter in the file
    errors: list[RowError] = field(default_factory=list)


def cell_text(value) -> str | None:
    """A cell as the evaluator would read it: 3860.0 → "3860", dates as 2025-03-05; blanks are None."""
    if is_blank(value):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def _row(grid: Grid, r: int, layout: Layout, section: str) -> dict:
    """A row's cells as text; an indicator's names read through merged cells (二级 and 三级 merged across for a
    满意度 line), the other cells as they stand (a 分值 merged down counts once)."""
    cells = {
        name: _level(grid, r, layout, name) if name.startswith("level") else cell_text(grid.cell(r, c))
        for name, c in layout.columns.items()
    }
    uncached = [name for name, c in layout.columns.items() if (r, c) in grid.uncached]
    return {"section": section, "row": r + 1, "cells": cells, "uncached": uncached}


def _remember(extracted: Extracted, section: str, layout: Layout) -> None:
    extracted.mapping.update({f"{section}.{k}": v for k, v in layout.texts.items()})
    extracted.scales.update({f"{section}.{k}": str(v) for k, v in layout.scales.items() if v != 1})
    extracted.letters.update({f"{section}.{k}": column_letter(c) for k, c in layout.columns.items()})


def _split(mapping: dict, section: str) -> dict[str, str]:
    prefix = section + "."
    return {k[len(prefix) :]: v for k, v in mapping.items() if k.startswith(prefix)}


# --- extraction ---------------------------------------------------------------------------------------------


def detect_self_assessment(
    grids: list[Grid], saved: dict, partial: bool = False
) -> tuple[Grid, dict[str, Layout]] | RowError:
    """The budget block's header, then the indicator block's below it, on the first sheet that has both; a
    自评表 without a budget block (some counties put the funds on another form) is read for its indicators."""
    found = find_table(grids, BUDGET_FIELDS, _split(saved, "budget"), partial=partial)
    if not isinstance(found, RowError):
        grid, budget = found
        try:
            indicators = detect(
                grid, INDICATOR_FIELDS, _split(saved, "indicator"), start=budget.bottom + 1, scan=200, partial=partial
            )
            return grid, {"budget": budget, "indicator": indicators}
        except HeaderNotFound as missing:
            failure = header_error(grid.sheet, missing.missing)
    else:
        failure = found
    alone = find_table(grids, INDICATOR_FIELDS, _split(saved, "indicator"), partial=partial)
    return failure if isinstance(alone, RowError) else (alone[0], {"indicator": alone[1]})


def detect_target_sheet(
    grids: list[Grid], saved: dict, partial: bool = False
) -> tuple[Grid, dict[str, Layout]] | RowError:
    found = find_table(grids, TARGET_FIELDS, _split(saved, "target"), partial=partial)
    return found if isinstance(found, RowError) else (found[0], {"target": found[1]})


def extract(grid: Grid, layouts: dict[str, Layout]) -> Extracted:
    """The review table of a 自评表 (budget, indicator) or 目标表 (target) from its confirmed layouts."""
    extracted = Extracted(grid.sheet)
    if "budget" in layouts:
        stop = layouts["indicator"].top if "indicator" in layouts else len(grid.rows)
        _budget_rows(grid, layouts["budget"], stop, extracted)
    for section in ("indicator", "target"):
        if section in layouts:
            _indicator_rows(grid, layouts[section], section, extracted)
    for section, layout in layouts.items():
        _remember(extracted, section, layout)
    return extracted


def _item_column(grid: Grid, layout: Layout, stop: int) -> int:
    """Budget lines are named left of the first amount column; with 项目资金 merged down column A, the names
    stand in column B. The rightmost such column holding text in the block wins."""
    first_amount = min(layout.columns[k] for k in ("initial_budget", "annual_budget", "executed"))
    stop = next((r for r in range(layout.bottom + 1, stop) if "目标" in first_text(grid, r)), stop)
    for c in range(first_amount - 1, -1, -1):
        texts = [grid.cell(r, c) for r in range(layout.bottom + 1, stop)]
        if any(
            isinstance(t, str) and t.strip() and not _merged_down_label(grid, r, c)
            for r, t in zip(range(layout.bottom + 1, stop), texts)
        ):
            return c
    return layout.columns.get("item", max(first_amount - 1, 0))


def _merged_down_label(grid: Grid, r: int, c: int) -> bool:
    """项目资金（万元） merged down the whole block is a label of the block, not a line's name."""
    return any(r0 <= r <= r1 and c0 <= c <= c1 and r1 > r0 for (r0, c0), (r1, c1) in grid.merged)


def _budget_rows(grid: Grid, layout: Layout, stop: int, extracted: Extracted) -> None:
    item = layout.columns["item"] if layout.manual and "item" in layout.columns else _item_column(grid, layout, stop)
    layout.columns["item"] = item
    amounts = ("initial_budget", "annual_budget", "executed")
    for r in range(layout.bottom + 1, stop):
        name = cell_text(grid.cell(r, item)) or ""
        if "目标" in name or is_note(first_text(grid, r)):
            break  # 年度总体目标 follows the budget block
        empty = all(
            is_blank(grid.cell(r, layout.columns[k])) and (r, layout.columns[k]) not in grid.uncached for k in amounts
        )
        if empty:
            if any(row["section"] == "budget" for row in extracted.rows):
                break
            continue
        row = _row(grid, r, layout, "budget")
        row["cells"]["item"] = name or f"第{r + 1}行"
        extracted.rows.append(row)


def _indicator_rows(grid: Grid, layout: Layout, section: str, extracted: Extracted) -> None:
    """一级/二级指标 merged down (or left blank under the first row of a block) are filled down."""
    level1 = level2 = None
    for r in range(layout.bottom + 1, len(grid.rows)):
        text = first_text(grid, r)
        if is_note(text) or text.startswith(("总分", "合计", "总计")) or "总分" in text[:6]:
            break
        title = _section_title(grid, r, layout)
        if title:
            level1, level2 = title, None  # 一、产出指标 merged across the table: the 一级指标 of the rows below
            continue
        if all(is_blank(grid.cell(r, c)) for c in layout.columns.values()) and not any(
            (r, c) in grid.uncached for c in layout.columns.values()
        ):
            continue
        if is_header_repeat(grid, r, layout) or is_column_number_row(grid, r) or is_total(text):
            continue
        row = _row(grid, r, layout, section)
        level1 = _level(grid, r, layout, "level1") or level1
        level2 = _level(grid, r, layout, "level2") or level2
        row["cells"].update(level1=level1, level2=level2)
        if not row["cells"].get("level3") and not any(
            v for k, v in row["cells"].items() if k not in ("level1", "level2")
        ):
            continue  # a 一级指标 label row (产出指标 alone on its line)
        extracted.rows.append(row)


def _section_title(grid: Grid, r: int, layout: Layout) -> str | None:
    """A row that is one cell merged across most of the table's columns (一、产出指标): a heading, not data."""
    columns = set(layout.columns.values())
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 <= r <= r1 and len(columns & set(range(c0, c1 + 1))) >= max(3, len(columns) * 2 // 3):
            text = cell_text(grid.cell(r0, c0)) or ""
            return re.sub(r"^[一二三四五六七八九十]+[、.．]\s*|^\d+[、.．]\s*", "", text) or None
    return None


def _level(grid: Grid, r: int, layout: Layout, name: str) -> str | None:
    c = layout.columns.get(name)
    if c is None:
        return None
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return cell_text(grid.cell(r0, c0))
    return cell_text(grid.cell(r, c))


# --- validation: cell texts to typed rows (the same for an import and a reviewed draft) -------------------------


def validate(kind: str, extracted: Extracted) -> Parsed:
    """Typed rows by section, or every error (sheet, row, column, value, reason)."""
    sections = {"self_assessment": ("budget", "indicators"), "target_sheet": ("targets",)}[kind]
    parsed = Parsed(extracted.sheet, dict(extracted.mapping), {s: [] for s in sections}, list(extracted.errors))
    if parsed.errors:
        return parsed
    for row in extracted.rows:
        values = _typed(row, extracted, parsed)
        if values is None:
            continue
        key = {"budget": "budget", "indicator": "indicators", "target": "targets"}[row["section"]]
        parsed.rows[key].append(values)
    parsed.errors.sort(key=lambda e: e.row)
    return parsed


def _typed(row: dict, extracted: Extracted, parsed: Parsed) -> dict | None:
    section, cells = row["section"], row["cells"]
    values, ok = {"row_number": row["row"]}, True
    for f in SECTION_FIELDS[section]:
        raw = cells.get(f.name)
        scale = Decimal(extracted.scales.get(f"{section}.{f.name}", "1"))
        try:
            if raw in (None, "") and f.name in row.get("uncached", []):
                raise CellError(UNCACHED_FORMULA)
            # A budget line's name stays as written (其中：财政拨款, full-width colon); other cells are normalised.
            value = (raw or "").strip() or None if f.name == "item" else PARSERS[f.kind](raw, scale)
            if value is None and f.required:
                raise CellError("不能为空")
        except CellError as error:
            letter = extracted.letters.get(f"{section}.{f.name}", f.label)
            parsed.errors.append(RowError(parsed.sheet, row["row"], letter, shown(raw), f"{f.label}：{error}"))
            ok = False
            continue
        values[f.name] = value
    if ok and section != "budget":
        ok = _indicator_checks(row, values, parsed)
    return values if ok else None


def _indicator_checks(row: dict, values: dict, parsed: Parsed) -> bool:
    if not values.get("level1") or not values.get("level2"):
        parsed.errors.append(RowError(parsed.sheet, row["row"], "一级指标", "", "一级指标/二级指标：不能为空"))
        return False
    weight, points = values.get("weight"), values.get("points")
    if weight is not None and points is not None and points > weight:
        parsed.errors.append(RowError(parsed.sheet, row["row"], "得分", shown(points), "得分：超过该指标的分值"))
        return False
    target = parse_target(
        row["cells"].get("target_value"), values.pop("unit", None) or "", values.pop("operator", None) or ""
    )
    values.update(target=target, target_value=target.original or None)
    if "actual_value" in values:
        values["actual_number"] = number_in(values["actual_value"])
    return True
