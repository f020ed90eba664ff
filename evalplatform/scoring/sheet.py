"""The score sheet (评分表): 一级 / 二级 / 三级, 分值, 得分, 得分率, 扣分原因, built from the roll-up."""

from __future__ import annotations

from flask_babel import gettext as _

from ..indicators.forms import GRADE_LABELS
from ..indicators.rollup import ScoringSummary


def sheet_table(summary: ScoringSummary):
    """一级 / 二级 / 三级, 分值, 得分, 得分率, 扣分原因 — the page's layout, one row per indicator."""
    header = [_("一级指标"), _("二级指标"), _("三级指标"), _("分值"), _("得分"), _("得分率") + "（%）", _("扣分原因")]
    rows = []
    for row in summary.rows:
        i = row.indicator
        names = ["", "", ""]
        names[i.level - 1] = i.name
        na = i.level == 3 and i.not_applicable
        rows.append(
            names
            + [i.points, _("不适用") if na else row.score, "" if na else row.rate, i.rationale if i.level == 3 else ""]
        )
    total = summary.total if summary.total is not None else "；".join(summary.problems)
    rows.append(
        [
            _("合计"),
            "",
            "",
            summary.applicable_points or "",
            total,
            "",
            _("已按适用指标折算为百分制") if summary.rescaled else "",
        ]
    )
    rows.append([_("评价等级"), "", "", "", str(GRADE_LABELS[summary.grade]) if summary.grade else "", "", ""])
    return header, rows
