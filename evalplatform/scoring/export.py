"""The score sheet as a spreadsheet: the columns both Excel sheets share (the sheet page's XLSX export and the
report's Excel annex), and the export's rows — the page's table, one row per indicator, then 合计 and 评价等级."""

from __future__ import annotations

from flask_babel import gettext as _

from ..i18n import translate
from ..indicators.forms import GRADE_LABELS
from .sheet import ScoreSheet, SheetRow

# The report's annex is always Chinese; the export translates these through _() like the page.
SCORE_HEADER = "一级指标 二级指标 三级指标 指标值 实际完成 计算 分值 得分 得分率（%） 扣分原因".split()
SCORE_FORMATS = {6: "0.00", 7: "0.00", 8: "0.0"}  # 0-based columns: 分值, 得分, 得分率


def export_table(sheet: ScoreSheet) -> tuple[list[str], list[list]]:
    """Header and rows of the XLSX export: numbers stay numbers; 不适用 / 未评分 where there is no score."""
    header = [_(h) for h in SCORE_HEADER[:8]] + [_("得分率") + "（%）", _("扣分原因")]
    rows = [_row(r) for r in sheet.rows]
    note = sheet.note if sheet.problems else translate(sheet.note) if sheet.note else ""
    rows.append([_("合计"), "", "", "", "", "", sheet.points_total, sheet.total, None, note])
    grade = str(GRADE_LABELS[sheet.grade]) if sheet.grade else ""
    rows.append([_("评价等级"), "", "", "", "", "", None, grade, None, ""])
    return header, rows


def _row(r: SheetRow) -> list:
    names = ["", "", ""]
    names[r.level - 1] = r.name
    if r.level < 3:
        return [*names, "", "", "", r.points, r.score, r.rate, ""]
    if r.not_applicable:
        score = _("不适用")
    else:
        score = r.score if r.score is not None else _("未评分")
    return [*names, r.target, r.actual, r.computed, r.points, score, r.rate, r.rationale]
