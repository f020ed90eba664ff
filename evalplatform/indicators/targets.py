"""Import of the unit's 绩效目标表 (Excel) into the indicator tree: every bad row is reported, nothing
is imported unless every row is good.

Columns: 一级指标, 二级指标, 三级指标, 指标值 ("≥50个", "≤90万元", "=100%", or a qualitative text),
度量单位, 分值/权重. Blank 一级/二级 cells (merged cells in the body) repeat the row above.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from .. import audit
from ..engagements.models import Engagement
from . import engine
from .models import Indicator, IndicatorTree
from .service import ordered, tree_for

COLUMNS = {"level1": ("一级指标",), "level2": ("二级指标",), "level3": ("三级指标",), "value": ("指标值",),
           "unit": ("度量单位", "计量单位", "单位"), "points": ("分值", "权重", "分值/权重", "指标分值")}
OPERATORS = {"≥": "ge", ">=": "ge", "≤": "le", "<=": "le", "=": "eq", "＝": "eq"}
VALUE_RE = re.compile(r"^(≥|>=|≤|<=|=|＝)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(\S*)$")
METHOD_FOR = {"ge": "ratio_higher_better", "le": "ratio_lower_better", "eq": "equal",
              "qualitative": "qualitative_bands"}


@dataclass(frozen=True)
class BadRow:
    sheet: str
    row: int
    reason: str

    def __str__(self) -> str:
        return f"工作表“{self.sheet}”第 {self.row} 行：{self.reason}"


class TargetSheetErrors(ValueError):
    def __init__(self, rows: list[BadRow]):
        super().__init__("\n".join(map(str, rows)))
        self.rows = rows


@dataclass(frozen=True)
class TargetRow:
    sheet: str
    row: int
    path: tuple[str, str, str]
    operator: str
    target_value: Decimal | None
    target_text: str | None
    unit: str
    points: Decimal


def parse_value(text: str) -> tuple[str, Decimal | None, str | None, str]:
    """"≥50个" → ('ge', 50, None, '个'); a text without digits is a qualitative target."""
    text = str(text).strip().replace("％", "%")
    match = VALUE_RE.match(text)
    if match:
        return OPERATORS[match.group(1)], Decimal(match.group(2).replace(",", "")), None, match.group(3)
    if not any(ch.isdigit() for ch in text):
        return "qualitative", None, text, ""
    raise ValueError(f"无法识别指标值“{text}”：应写成“≥50个”“≤90万元”“=100%”这样的形式")


def read_target_sheet(content: bytes) -> list[TargetRow]:
    try:
        # Formulas are read as written: Excel stores a typed "=100%" as a formula, and here "=" is the operator.
        workbook = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise TargetSheetErrors([BadRow("—", 0, "文件不是有效的 XLSX 工作簿")]) from None
    rows, bad, found = [], [], False
    for sheet in workbook.worksheets:
        header_row, columns = _header(sheet)
        if header_row is None:
            continue
        found = True
        bad += _merged_header(sheet, header_row)
        missing = [names[0] for key, names in COLUMNS.items() if key not in columns]
        if missing:
            bad.append(BadRow(sheet.title, header_row, f"缺少列：{'、'.join(missing)}"))
            continue
        _rows(sheet, header_row, columns, rows, bad)
    if not found:
        first = workbook.worksheets[0]
        merged = [m.coord for m in first.merged_cells.ranges if m.min_row <= 10]
        hint = f"；表头有合并单元格（{'、'.join(merged)}），请拆分为一列一个标题" if merged else ""
        bad.append(BadRow(first.title, 1, "找不到表头（应含“三级指标”和“指标值”两列）" + hint))
    if bad:
        raise TargetSheetErrors(bad)
    return rows


def _header(sheet) -> tuple[int | None, dict]:
    for number, values in enumerate(sheet.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        labels = [str(v).strip() if v is not None else "" for v in values]
        if "三级指标" in labels and "指标值" in labels:
            columns = {}
            for key, names in COLUMNS.items():
                for index, label in enumerate(labels):
                    if label in names and key not in columns:
                        columns[key] = index
            return number, columns
    return None, {}


def _merged_header(sheet, header_row: int) -> list[BadRow]:
    return [BadRow(sheet.title, header_row, f"表头有合并单元格（{merged.coord}），请拆分为一列一个标题")
            for merged in sheet.merged_cells.ranges
            if merged.min_row <= header_row <= merged.max_row and merged.max_col > merged.min_col]


def _rows(sheet, header_row, columns, rows, bad) -> None:
    level1 = level2 = ""
    for number, values in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
        cell = {key: _text(values[index] if index < len(values) else None) for key, index in columns.items()}
        if not any(cell.values()):
            continue
        level1, level2 = cell["level1"] or level1, cell["level2"] or level2
        try:
            rows.append(_row(sheet.title, number, (level1, level2, cell["level3"]), cell))
        except ValueError as error:
            bad.append(BadRow(sheet.title, number, str(error)))


def _row(sheet: str, number: int, path, cell) -> TargetRow:
    if not all(path):
        raise ValueError("缺少" + "、".join(n for n, p in zip(("一级指标", "二级指标", "三级指标"), path) if not p))
    if not cell["value"]:
        raise ValueError("指标值为空")
    operator, target, text, unit = parse_value(cell["value"])
    if unit and cell["unit"] and unit != cell["unit"]:
        raise ValueError(f"指标值的单位“{unit}”与度量单位“{cell['unit']}”不一致")
    if not cell["points"]:
        raise ValueError("分值为空")
    try:
        points = engine.dec(cell["points"].rstrip("分"))
    except engine.ScoringError:
        raise ValueError(f"分值“{cell['points']}”不是数字") from None
    if points < 0 or points > 100:
        raise ValueError("分值应在 0 至 100 之间")
    return TargetRow(sheet, number, path, operator, target, text, unit or cell["unit"], points)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def import_target_sheet(session: Session, engagement: Engagement, content: bytes, actor, now: datetime) -> int:
    """Parse everything first; only a sheet without a single bad row touches the tree."""
    rows = read_target_sheet(content)
    tree = tree_for(session, engagement)
    if tree is None:
        tree = IndicatorTree(engagement_id=engagement.id, framework_code="target_sheet",
                             framework_name="绩效目标表导入", created_at=now)
        session.add(tree)
        session.flush()
    by_path = _paths(tree)
    for row in rows:
        _apply(session, tree, by_path, row)
    session.flush()
    audit.record(session, actor=actor, action="indicators.targets_imported", obj=tree,
                 engagement_id=engagement.id, details={"count": len(rows)}, now=now)
    return len(rows)


def _paths(tree: IndicatorTree) -> dict[tuple, Indicator]:
    names: dict[int, tuple] = {}
    result = {}
    for indicator in ordered(tree):
        path = names.get(indicator.parent_id, ()) + (indicator.name,)
        names[indicator.id] = path
        result[path] = indicator
    return result


def _apply(session, tree, by_path, row: TargetRow) -> None:
    parent = None
    for depth in (1, 2):
        path = row.path[:depth]
        if path not in by_path:
            by_path[path] = _new(session, tree, parent, depth, path[-1], Decimal(0))
        parent = by_path[path]
        if getattr(parent, "_imported_now", False):
            parent.points += row.points
    leaf = by_path.get(row.path) or _new(session, tree, parent, 3, row.path[2], row.points)
    by_path[row.path] = leaf
    leaf.points, leaf.operator, leaf.unit = row.points, row.operator, row.unit[:30]
    leaf.target_value, leaf.target_text = row.target_value, row.target_text
    if getattr(leaf, "_imported_now", False):
        leaf.method = METHOD_FOR[row.operator]


def _new(session, tree, parent, level, name, points) -> Indicator:
    siblings = [i for i in tree.indicators if i.parent_id == (parent.id if parent else None)]
    indicator = Indicator(tree=tree, parent_id=parent.id if parent else None, level=level,
                          position=len(siblings), name=name[:200], points=points, is_custom=True,
                          operator="qualitative", method="manual", params={}, inputs={}, key_points=[],
                          rationale="", explanation="")
    indicator._imported_now = True  # new in this import: its points are the sum of the rows
    session.add(indicator)
    session.flush()
    return indicator
