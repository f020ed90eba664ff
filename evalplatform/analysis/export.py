"""Every table of an analysis as (title, header, rows), and as one XLSX workbook."""

from __future__ import annotations

from .. import formatting as fmt
from ..spreadsheets import xlsx_bytes
from .service import Analysis

METHODS = (
    "满意度 = “非常满意”+“满意”占有效回答（不含“不了解”和未答）的比例，95% Wilson 区间；"
    "维度和总体按全部回答合计，区间以受访者为群计算有效样本量。"
    "加权得分 = 非常满意 100、满意 80、一般 60、不满意 40、非常不满意 20 的平均分，95% t 区间（受访者为群的线性化标准误）。"
    "分组比较：卡方检验（Cramér's V）与 Kruskal–Wallis 检验（ε²），p 值按 Holm 法校正。"
)


def _r(value, digits: int = 4):
    return None if value is None else round(float(value), digits)


def _local(moment) -> str:
    return fmt.date_time(moment)


def tables(analysis: Analysis) -> list[tuple[str, list[str], list[list]]]:
    return [
        _summary(analysis),
        _satisfaction(analysis),
        _distributions(analysis),
        *_reliability(analysis),
        _adequacy(analysis),
        _comparisons(analysis),
        _timeline(analysis),
        _invalid(analysis),
        _invalid_list(analysis),
        *_texts(analysis),
    ]


def xlsx(analysis: Analysis) -> bytes:
    return xlsx_bytes(tables(analysis))


def _summary(a: Analysis):
    f = a.filters
    rows = [
        ["分析时间", _local(a.as_of)],
        ["最新答卷时间", _local(a.last_response_at)],
        ["发放渠道筛选", "、".join(map(str, f.distribution_ids)) or "全部"],
        ["分层筛选", "、".join(f.strata) or "全部"],
        ["日期范围", f"{f.date_from or '不限'} 至 {f.date_to or '不限'}"],
        ["答卷总数", a.total],
        ["有效答卷", a.valid],
        ["无效答卷", a.total - a.valid],
        ["计算方法", METHODS],
    ]
    return "概况", ["项目", "值"], rows


def _satisfaction(a: Analysis):
    header = [
        "层级",
        "编号",
        "名称",
        "受访者",
        "有效回答",
        "不了解",
        "满意及以上",
        "满意度",
        "下限",
        "上限",
        "加权得分",
        "下限",
        "上限",
        "说明",
    ]
    scope = {"item": "题目", "dimension": "维度", "overall": "总体"}
    rows = [
        [
            scope[r.scope],
            r.code,
            r.label,
            r.respondents,
            r.answers,
            r.unknown,
            r.satisfied,
            _r(r.rate.estimate),
            _r(r.rate.low),
            _r(r.rate.high),
            _r(r.score.estimate, 2),
            _r(r.score.low, 2),
            _r(r.score.high, 2),
            r.rate.note or r.score.note,
        ]
        for r in a.satisfaction
    ]
    return "满意度", header, rows


def _distributions(a: Analysis):
    rows = [
        [d.question.code, d.question.label, label, count, _r(share), d.answered, d.unanswered, d.note]
        for d in a.distributions
        for label, count, share in d.rows
    ]
    return "题目分布", ["编号", "题目", "选项", "人数", "占比", "作答", "未答", "说明"], rows


def _reliability(a: Analysis):
    scales = [
        [s.name, "、".join(s.codes), s.result.k, s.result.n, s.excluded, _r(s.result.alpha), s.result.note]
        for s in a.reliability
    ]
    items = [
        [s.name, code, label, _r(s.result.item_total[code]), _r(s.result.alpha_if_deleted[code])]
        for s in a.reliability
        for code, label in zip(s.codes, s.labels)
    ]
    return [
        ("信度", ["量表", "题目", "题数", "完整作答", "排除（含未答或不了解）", "Cronbach α", "说明"], scales),
        ("信度-题目", ["量表", "编号", "题目", "校正题总相关", "删除该题后 α"], items),
    ]


def _adequacy(a: Analysis):
    rows = [
        [
            r.stratum,
            r.population,
            r.required_valid,
            r.required_issued,
            r.achieved_valid,
            r.achieved_total,
            "是" if r.adequate else "否",
            _r(r.margin),
        ]
        for r in a.adequacy
    ]
    return (
        "样本量",
        ["分层", "总体规模", "所需有效样本", "所需发放", "有效答卷", "答卷总数", "是否充足", "实际误差范围"],
        rows,
    )


def _test_cells(test) -> list:
    """A group test's statistic, degrees of freedom, p (raw and adjusted), effect size and note."""
    return [_r(test.statistic), test.dof, _r(test.p_value, 6), _r(test.p_adjusted, 6), _r(test.effect), test.note]


def _comparisons(a: Analysis):
    rows = []
    for c in a.comparisons:
        groups = "；".join(f"{g}：{n}份，{share:.1%}" if share is not None else f"{g}：0份" for g, n, share in c.groups)
        rows.append(
            [c.item.code, c.item.label, c.group_label, groups, *_test_cells(c.chi_square), *_test_cells(c.kruskal)]
        )
    header = [
        "编号",
        "题目",
        "分组",
        "各组满意度",
        "χ²",
        "自由度",
        "p",
        "p（Holm）",
        "Cramér's V",
        "说明",
        "H",
        "自由度",
        "p",
        "p（Holm）",
        "ε²",
        "说明",
    ]
    return "分组比较", header, rows


def _timeline(a: Analysis):
    return "回收进度", ["日期", "答卷", "有效", "累计有效"], [[d.isoformat(), n, v, c] for d, n, v, c in a.timeline]


def _invalid(a: Analysis):
    return "无效答卷", ["原因", "份数"], [[reason, count] for reason, count in a.invalid_reasons]


def _invalid_list(a: Analysis):
    rows = [
        [response_id, distribution_id, stratum, _local(submitted_at), reason]
        for response_id, distribution_id, stratum, submitted_at, reason in a.invalid
    ]
    return "无效答卷明细", ["答卷编号", "发放渠道", "分层", "提交时间", "原因"], rows


def _texts(a: Analysis):
    words = [[t.question.code, t.question.label, word, count, t.method] for t in a.texts for word, count in t.keywords]
    answers = [[t.question.code, t.question.label, answer] for t in a.texts for answer in t.answers]
    return [
        ("开放题关键词", ["编号", "题目", "关键词", "提及份数", "方法"], words),
        ("开放题答案", ["编号", "题目", "答案"], answers),
    ]
