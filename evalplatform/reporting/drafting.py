"""First drafts of the report's narrative sections, written from the assembled data (pure: content in, text out).

The evaluator edits them; "生成初稿" only fills sections that are still empty, and the PDF prints a section's
draft while nobody has written it. Every figure quoted comes from the same content the tables are made of,
so the prose and the tables cannot disagree. Wording differs for 部门整体支出 (reports/wording.yaml).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

NUMERALS = "一二三四五六七八九十"
MAX_REASONS = 5
UNSCORED = ("—", "不适用", "未评分")


def draft_sections(c: dict) -> dict[str, str]:
    """Every narrative section's draft, by key (reporting.models.NARRATIVE_SECTIONS)."""
    return {
        "overview": overview(c),
        "work_process": work_process(c),
        "conclusion": conclusion(c),
        "analysis": analysis(c),
        "experience": experience(c),
        "problems": problems(c),
        "suggestions": suggestions(c),
        "other": other(c),
    }


def overview(c: dict) -> str:
    """一、基本情况: background, money (budget, in place, spent) and the performance targets."""
    e, w = c["engagement"], c["wording"]
    if e["kind_code"] == "department":
        first = f"{e['unit']}（以下简称“{w['subject']}”）{e['fiscal_year']}年度部门整体支出纳入本次绩效评价。"
    else:
        first = (
            f"{e['title'].removesuffix('重点绩效评价')}（以下简称“{w['subject']}”）由{e['unit']}实施，"
            f"属{e['kind']}，预算年度为{e['fiscal_year']}年。"
        )
    paragraphs = [first + (e["description"] or ""), _funds(e, w)]
    targets = (c.get("scoring") or {}).get("targets") or []
    if targets:
        listed = "；".join(f"{t['name']}{t['value']}" for t in targets)
        paragraphs.append(f"{w['subject']}年度绩效目标为：{listed}。")
    return "\n".join(paragraphs)


def _funds(e: dict, w: dict) -> str:
    text = f"{e['fiscal_year']}年度{w['subject']}预算资金{e['budget']}"
    text += f"，资金来源为{e['funding_source']}" if e["funding_source"] else ""
    if e["funds_in_place"]:
        text += f"；实际到位资金{e['funds_in_place']}，资金到位率{e['in_place_rate']}"
    if e["funds_spent"]:
        text += f"；实际支出{e['funds_spent']}"
        text += f"，预算执行率{e['execution_rate']}" if e["execution_rate"] else ""
    if not e["funds_in_place"] and not e["funds_spent"]:
        text += "；资金到位和支出情况见附件1评分表“资金管理”相关指标"
    return text + "。"


def work_process(c: dict) -> str:
    """二、工作开展情况: purpose and scope with the dates known, rules and methods with sample sizes, the team."""
    e, w = c["engagement"], c["wording"]
    scope = f"受{e['bureau']}委托，{c['firm']}对{e['title'].removesuffix('重点绩效评价')}开展重点绩效评价"
    scope += f"，评价期间为{e['period']}。" if e["period"] else f"，评价范围为{e['fiscal_year']}年度的资金和工作。"
    scope += "评价旨在了解资金使用和目标实现情况，发现问题，为预算安排和管理改进提供依据。"
    rows = (c.get("scoring") or {}).get("rows") or []
    basis = (
        f"评价依据{w['rules']}，遵循{w['principles']}的原则，参照{w['framework']}设置指标体系"
        f"{f'（三级指标 {len(rows)} 项，见附件1）' if rows else ''}，以{w['standards']}为评价标准，"
        f"采用{'、'.join(methods(c))}等方法。"
    )
    team = "、".join(f"{m['name']}（{m['role']}）" for m in c.get("team") or [])
    process = f"评价工作组由{team}组成，" if team else ""
    process += "经前期准备、资料收集与核查、现场勘查和问卷调查、分析评价、撰写报告和复核等阶段完成评价工作。"
    return "\n".join([scope, basis, process])


def methods(c: dict) -> list[str]:
    """The methods actually used, each with its sample size (公众评判法 = 问卷调查, 比较法 = 对照查证)."""
    used = ["比较法（绩效目标与实际完成情况对比）", "因素分析法"]
    valid = sum(_int(s.get("valid")) for s in c.get("surveys") or [])
    outside = [
        r["source"]
        for r in (c.get("scoring") or {}).get("rows") or []
        if "满意度" in r["level3"] and r.get("source") and r.get("actual")
    ]
    if valid:
        used.append(f"公众评判法（满意度问卷调查，有效问卷 {valid} 份）")
    elif outside:
        used.append(f"公众评判法（{outside[0]}）")
    if c.get("inspections"):
        used.append(f"现场勘查（{len(c['inspections'])} 个勘查点）")
    if c.get("crosschecks"):
        used.append(f"对照查证复核（{len(c['crosschecks'])} 个事项）")
    for sample in c.get("samples") or []:
        used.append(f"抽样核查（{sample['name']}，总体 {sample['population']} 条，抽取样本 {sample['size']} 条）")
    return used


def conclusion(c: dict) -> str:
    """三、综合评价: total, grade, each dimension's score and the main reasons for deductions."""
    scoring, w = c.get("scoring"), c["wording"]
    if not scoring:
        return "指标体系尚未完成评分，综合评价结论待评分完成后形成。"
    parts = [f"经综合评价，{w['subject']}绩效评价得分为{scoring['total']}分，评价等级为“{scoring['grade']}”。"]
    parts.append(
        "其中，"
        + "；".join(
            f"{d['name']}指标分值{d['points']}分，得分{d['score']}，得分率{d['rate']}" for d in scoring["dimensions"]
        )
        + "。"
    )
    reasons = sorted(_deductions(scoring), key=lambda i: -_dec(i["lost"]))[:MAX_REASONS]
    if reasons:
        parts.append(
            "主要扣分原因："
            + "；".join(f"{i['name']}扣{i['lost']}分，{i['rationale'] or '未达到目标'}" for i in reasons)
            + "。"
        )
    return "\n".join(parts)


def analysis(c: dict) -> str:
    """四、指标分析: per dimension, its score, each deduction with its evidence, the indicators at full marks."""
    scoring, w = c.get("scoring"), c["wording"]
    if not scoring:
        return "尚无指标评分数据。"
    headings = w["dimension_headings"]
    return "\n".join(
        _dimension(d, headings[n] if n < len(headings) else f"（{NUMERALS[n]}）{d['name']}情况")
        for n, d in enumerate(scoring["dimensions"])
    )


def _dimension(d: dict, heading: str) -> str:
    text = f"{heading}。该部分指标分值{d['points']}分，得分{d['score']}，得分率{d['rate']}。"
    for i in d["indicators"]:
        if i["lost"]:
            text += f"“{i['name']}”：{_achieved(i)}，得{i['score']}（分值{i['points']}分），扣{i['lost']}分，"
            text += f"原因是{i['rationale'] or '未达到目标值'}{_evidence(i)}。"
    full = [i["name"] for i in d["indicators"] if not i["lost"] and i["score"] not in UNSCORED]
    if full:
        text += f"“{'”“'.join(full)}”指标达到目标，得满分。"
    return text


def _achieved(i: dict) -> str:
    target = f"目标值{i['target']}" if i["target"] and i["target"] != "定性" else ""
    shown = i["actual"] if i["actual"] not in ("", "直接评分") else i.get("computed", "")
    actual = (f"实际{shown}" if shown[:1].isdigit() else shown) if shown else ""
    return "，".join(x for x in (target, actual) if x) or "未完全达到评价要求"


def _evidence(i: dict) -> str:
    cited = "、".join(x for x in (i.get("source"), i.get("evidence")) if x)
    return f"（依据：{cited}）" if cited else ""


def experience(c: dict) -> str:
    """五（一）: what went well, from the dimensions and indicators at full marks."""
    scoring, w = c.get("scoring"), c["wording"]
    if not scoring:
        return "待评分完成后总结。"
    strong = [d for d in scoring["dimensions"] if _dec(d["rate"].rstrip("%")) >= 90]
    lines = (
        [f"{w['subject']}{'、'.join(d['name'] for d in strong)}方面表现较好，得分率均在 90% 以上。"] if strong else []
    )
    full = [
        i["name"]
        for d in scoring["dimensions"]
        for i in d["indicators"]
        if not i["lost"] and i["score"] not in UNSCORED
    ]
    if full:
        lines.append(f"“{'”“'.join(full[:8])}”等指标达到目标，相关做法可在同类工作中推广。")
    return "\n".join(lines) or "评价未发现需要专门总结的经验做法。"


def problems(c: dict) -> str:
    """五（二）: each finding of the register with its evidence and cause; else the main deductions."""
    findings = c.get("findings") or []
    if findings:
        return "\n".join(
            f"{n}. {f['title']}（{f['code']}）。{f['description']}"
            + (f"原因：{f['cause']}" if f["cause"] else "")
            + (f"（证据：{f['evidence']}）" if f["evidence"] else "")
            for n, f in enumerate(findings, 1)
        )
    reasons = _deductions(c.get("scoring") or {"dimensions": []})
    if reasons:
        return "\n".join(f"{n}. {i['name']}：{i['rationale'] or '未达到目标值'}。" for n, i in enumerate(reasons, 1))
    return "评价未发现需要单独列示的问题。"


def suggestions(c: dict) -> str:
    """六、有关建议: one per problem, in the same order, from each finding's 整改建议."""
    findings = c.get("findings") or []
    if findings:
        return "\n".join(
            f"{n}. 针对“{f['title']}”：{f['recommendation'] or '核实问题成因，制定整改措施并明确完成时限。'}"
            for n, f in enumerate(findings, 1)
        )
    reasons = _deductions(c.get("scoring") or {"dimensions": []})
    return (
        "\n".join(
            f"{n}. 针对“{i['name']}”扣分事项，分析原因并制定改进措施，在下一年度绩效目标中予以落实。"
            for n, i in enumerate(reasons, 1)
        )
        or "继续保持现有管理水平，完善绩效目标管理。"
    )


def other(c: dict) -> str:
    """七、其他需要说明的问题: limits of the data (unverifiable items, short samples); "无" when none."""
    notes = [
        f"“{x['subject']}”无法取得核实数据，评价按申报数处理。"
        for x in c.get("crosschecks") or []
        if x["outcome"] == "无法核实"
    ]
    notes += [
        f"{s['title']}：部分分层样本量不足，相关结论应审慎使用。"
        for s in c.get("surveys") or []
        if "样本量未达到要求" in s.get("summary", "")
    ]
    return "\n".join(notes) or "无。"


def _deductions(scoring: dict) -> list[dict]:
    return [i for d in scoring.get("dimensions", []) for i in d["indicators"] if i["lost"]]


def _dec(text) -> Decimal:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
