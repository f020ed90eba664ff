"""Gather what a report says, from the data of the engagement plus the evaluators' narrative.

The result is plain data (dicts, lists, strings, Decimals): the PDF template, the XLSX annex and the
content hash are all made from it, so the hash printed in an issued PDF stands for exactly what it shows.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from .. import formatting as fmt
from ..analysis import charts
from ..analysis import service as analysis_service
from ..analysis import sources as analysis_sources
from ..crosscheck import findings as crosscheck_findings
from ..crosscheck import sampling
from ..crosscheck import service as crosscheck_service
from ..engagements.models import EngagementKind
from ..evidence import previews
from ..evidence.service import evidence_index
from ..evidence.store import BlobStore
from ..inspections import service as inspection_service
from ..integrity import canonical_json, sha256_hex
from ..scoring.sheet import ScoreSheet, SheetRow, score_sheet
from . import drafting, wording
from .models import NARRATIVE_SECTIONS, Report

TEMPLATE_VERSION = "report-2026.2"
MAX_PHOTOS = 40
# The report is always Chinese, whatever language the person rendering it uses.
TEAM_ROLES = {"lead": "项目负责人", "member": "评价人员", "reviewer": "复核合伙人", "expert": "行业专家"}


class RenderFailed(Exception):
    """One part of the report could not be made; the message names it, for the person issuing (Chinese)."""

    def __init__(self, part: str, error: Exception):
        self.part = part
        super().__init__(
            f"报告未能生成：{part}无法处理（{type(error).__name__}: {str(error)[:200]}）。"
            "报告状态未改变，请更换或删除该部分后重试。"
        )


@contextmanager
def part(name: str):
    """Name the part being made, so a failure inside says which one (a photo, a chart, the layout)."""
    try:
        yield
    except RenderFailed:
        raise
    except Exception as error:  # noqa: BLE001 - anything a damaged file or a renderer throws
        raise RenderFailed(name, error) from error


def assemble(session: Session, report: Report, store: BlobStore, *, firm_name: str, now: datetime) -> dict:
    engagement = report.engagement
    evidence = evidence_index(session, engagement)
    content = {
        "template": TEMPLATE_VERSION,
        "title": report.title,
        "number": report.number or "",
        "firm": firm_name,
        # The bureau's calendar day (EVALPLATFORM_TIMEZONE), never the server's: 23:30 UTC is the next day in Beijing.
        "date": fmt.long_date(now),
        "date_iso": fmt.short_date(now),
        "engagement": engagement_facts(engagement),
        "wording": wording.for_kind(EngagementKind(engagement.kind).value),
        "team": [{"name": m.user.display_name, "role": TEAM_ROLES[m.team_role.value]} for m in engagement.team],
        "sites": [
            {
                "name": s.name,
                "address": s.address or "",
                "coordinates": f"{s.latitude}, {s.longitude}" if s.latitude is not None else "",
            }
            for s in engagement.sites
        ],
        "scoring": scoring_content(score_sheet(session, engagement)),
        "surveys": survey_sections(session, engagement, now),
        "samples": [_sample_row(s) for s in sampling.samples(session, engagement)],
        "inspections": [
            _inspection(inspection_service.record_sheet(i))
            for i in inspection_service.list_inspections(session, engagement)
            if i.is_finished
        ],
        "findings": [
            dict(zip(FINDING_KEYS, (_cell(v) for v in row)))
            for row in crosscheck_findings.findings_table(session, engagement)
        ],
        "crosschecks": [_crosscheck_row(c) for c in crosscheck_service.cross_checks(session, engagement)],
        "evidence": [_evidence_row(e) for e in evidence],
        "photos": [_photo(store, e) for e in evidence if e.mime in ("image/jpeg", "image/png")][:MAX_PHOTOS],
    }
    # Sections the evaluators have not written yet print the draft made from the data (never "待填写").
    drafts = drafting.draft_sections(content)
    content["narrative"] = {key: report.section_text(key).strip() or drafts[key] for key in NARRATIVE_SECTIONS}
    content["drafted"] = [key for key in NARRATIVE_SECTIONS if not report.section_text(key).strip()]
    return content


def engagement_facts(engagement) -> dict:
    """一、基本情况: who, what, when and the money (budget, in place, spent) as the engagement records them."""
    budget, in_place, spent = engagement.budget_amount, engagement.funds_in_place, engagement.funds_spent
    return {
        "title": engagement.title,
        "unit": engagement.evaluated_unit.name,
        "kind_code": EngagementKind(engagement.kind).value,
        "kind": "项目支出" if EngagementKind(engagement.kind) is EngagementKind.project else "部门整体支出",
        "fiscal_year": engagement.fiscal_year,
        "budget_amount": f"{budget:,.2f}",
        "budget": fmt.money(budget),
        "budget_wan": fmt.money(budget, "万元", 2),
        "funds_in_place": fmt.money(in_place) if in_place is not None else "",
        "funds_spent": fmt.money(spent) if spent is not None else "",
        "in_place_rate": _share(in_place, budget),
        "execution_rate": _share(spent, in_place),
        "funding_source": engagement.funding_source or "",
        "category": engagement.category or "",
        "bureau": engagement.bureau.name,
        "description": engagement.description or "",
        "period": _period(engagement.period_start, engagement.period_end),
    }


def _share(part, whole) -> str:
    """财预〔2020〕10号 附件2: 资金到位率 = 到位/预算, 预算执行率 = 支出/到位 ("" when a figure is missing)."""
    if part is None or not whole:
        return ""
    return fmt.percent(Decimal(part) / Decimal(whole) * 100, 2)


def _period(start, end) -> str:
    """The evaluation period in words, saying only what is known (never "~" between blanks)."""
    if start and end:
        return f"{fmt.long_date(start)}至{fmt.long_date(end)}"
    if start:
        return f"{fmt.long_date(start)}起"
    if end:
        return f"截至{fmt.long_date(end)}"
    return ""


def _sample_row(sample) -> dict:
    """抽样核查: what was sampled and how many (方法与样本量, 二、工作开展情况)."""
    estimate = sampling.estimate(sample)
    return {
        "name": sample.material.name or "申报清单",
        "population": sample.population_size,
        "size": sample.size,
        "checked": estimate.checked,
        "exceptions": estimate.exceptions,
    }


def _photo(store: BlobStore, e) -> dict:
    with part(f"照片 {e.code}（{e.original_filename}）"):
        path = previews.thumbnail(store, e.blob_sha256, previews.PRINT_SIZE)
    return {"code": e.code, "caption": e.description or e.original_filename, "path": str(path), "sha256": e.blob_sha256}


def scoring_content(sheet: ScoreSheet) -> dict | None:
    """The score sheet as the report prints it (三's table, 四's tables and prose, 附件1, the Excel annex),
    once the engagement has an indicator system (None before).

    Each figure is kept twice: as printed (text, through formatting) and as a number (`values`) for the
    Excel annex, which must let a reviewer sum the scores."""
    if not sheet.rows:
        return None
    leaves = {r.indicator_id: _score_row(r) for r in sheet.leaves}
    rows = list(leaves.values())
    return {
        "total": _num(sheet.total),
        "total_text": fmt.score(sheet.total),
        "grade": sheet.grade_label or "待定",
        "rescaled": sheet.rescaled,
        "note": sheet.note,
        "points_total": fmt.number(sheet.points_total),
        "problems": list(sheet.problems),
        "dimensions": [_dimension(d, [leaves[r.indicator_id] for r in sheet.leaves_of(d)]) for d in sheet.dimensions],
        "rows": rows,
        "targets": [{"name": r["level3"], "value": r["target"]} for r in rows if r["target"] not in ("", "定性")],
    }


def _dimension(d: SheetRow, leaves: list[dict]) -> dict:
    """A 一级指标: its figures (三's table and prose) and its 三级指标 as 四 quotes them."""
    return {
        "name": d.name,
        "points": fmt.number(d.points),
        "score": fmt.score(d.score),
        "rate": fmt.percent(d.rate),
        "values": {"points": d.points, "score": d.score},
        "indicators": [{k: row[k] for k in INDICATOR_KEYS} | {"name": row["level3"]} for row in leaves],
    }


INDICATOR_KEYS = ("target", "actual", "computed", "points", "score", "rate", "lost", "rationale", "source", "evidence")


def _score_row(r: SheetRow) -> dict:
    """A 三级指标's row; `lost`, `source` and `evidence` are what the prose of 三/四 quotes beside the table."""
    level1, level2, level3 = r.names
    return {
        "level1": level1,
        "level2": level2,
        "level3": level3,
        "points": fmt.number(r.points),
        "score": "不适用" if r.not_applicable else fmt.score(r.score),
        "rate": fmt.percent(r.rate),
        "rationale": r.rationale,
        "target": r.target,
        "actual": r.actual,
        "computed": r.computed,
        "lost": fmt.number(r.lost) if r.lost else "",
        "source": r.source,
        "evidence": "、".join(r.evidence),
        "values": {"points": r.points, "score": r.score, "rate": r.rate, "computed": r.computed_rate},
    }


def _inspection(sheet: dict) -> dict:
    """附件3: one 勘查记录表 per finished inspection (photos are in the photo pages, by evidence code)."""
    inspection = sheet["inspection"]
    where = f"{inspection.latitude}, {inspection.longitude}" if inspection.latitude is not None else "未取得定位"
    signed = (
        "被评价单位代表已签字" if sheet["unit_signature"] else f"被评价单位拒绝签字：{inspection.refusal_reason or ''}"
    )
    return {
        "title": f"{sheet['title']}（{sheet['site'].name}）",
        "summary": (
            f"勘查时间 {fmt.date_time(inspection.started_at)}；位置 {where}；"
            f"勘查人员 {'、'.join(inspection.team_members)}；单位代表 {inspection.unit_representative or '—'}；"
            f"{signed}。"
        ),
        "items": [
            {
                "label": row["item"].label,
                "result": row["result_label"],
                "measured": row["value"],
                "note": ((row["entry"].note or "") if row["entry"] else "")
                + ("；照片 " + "、".join(e.code for e in row["photos"]) if row["photos"] else ""),
            }
            for row in sheet["rows"]
        ],
    }


SURVEY_HEADER = ["题目/维度", "有效回答（人次）", "不计入（不了解等）", "满意率", "95% 置信区间", "加权得分"]


def survey_sections(session: Session, engagement, now: datetime) -> list[dict]:
    """附件2: per questionnaire, the headline, the satisfaction table and two charts (SVG as data: URIs)."""
    sections = []
    for data in analysis_sources.questionnaire_surveys(session, engagement, satisfaction_only=True):
        result = analysis_service.analyse(data.frame, data.questions, now, adequacy=data.adequacy, with_texts=False)
        if not result.valid:
            continue
        rows = [r for r in result.satisfaction if r.answers]
        items = [r for r in rows if r.scope == "item"]
        with part(f"附件2“{data.title}”的图表"):
            figures = (
                [
                    {"caption": "各题满意率及 95% 置信区间", "uri": charts.data_uri(charts.rates_svg(items))},
                    {"caption": "各题满意度分布", "uri": charts.data_uri(charts.levels_svg(result.distributions))},
                ]
                if items
                else []
            )
        sections.append(
            {
                "title": data.title,
                "summary": _survey_summary(result),
                "total": result.total,
                "valid": result.valid,
                "table": {
                    "header": SURVEY_HEADER,
                    "rows": [
                        [
                            ("【总体】" if r.scope == "overall" else "【维度】" if r.scope == "dimension" else "")
                            + r.label,
                            r.answers,
                            r.unknown,
                            _pct(r.rate.estimate),
                            _pct_range(r.rate),
                            _fixed(r.score.estimate),
                        ]
                        for r in rows
                    ],
                },
                "charts": figures,
            }
        )
    return sections


def _survey_summary(result) -> str:
    overall = result.overall()
    text = f"共回收问卷 {result.total} 份，其中有效问卷 {result.valid} 份"
    if overall is not None and overall.rate.estimate is not None:
        text += (
            f"；总体满意率 {_pct(overall.rate.estimate)}（95% 置信区间 {_pct_range(overall.rate)}），"
            f"加权满意度得分 {_fixed(overall.score.estimate)} 分"
        )
    if overall is not None and overall.unknown:
        text += f"；“不了解”“不适用”等无明确评价的回答 {overall.unknown} 个，未计入满意率的分母"
    short = [a.stratum for a in result.adequacy if not a.adequate]
    return text + ("；样本量满足要求。" if not short else f"；{('、'.join(short))}样本量未达到要求，结论应审慎使用。")


def _pct(value) -> str:
    return fmt.percent(value, fraction=True)


def _pct_range(interval) -> str:
    return fmt.percent_range(interval.low, interval.high, fraction=True)


def _fixed(value) -> str:
    return fmt.number(value, 1)


def _num(value) -> str:
    """Decimals as the report prints them: no trailing zeros beyond what was entered, never exponent form."""
    return fmt.number(value, grouping=False)


FINDING_KEYS = (
    "code",
    "title",
    "description",
    "severity",
    "indicators",
    "cause",
    "recommendation",
    "unit_response",
    "deduction",
    "evidence",
)


def _cell(value) -> str:
    return _num(value) if isinstance(value, Decimal) else str(value)


def _crosscheck_row(c) -> dict:
    shown = crosscheck_findings.shown_value
    return {
        "subject": c.subject,
        "declared": shown(c.declared_value, c.unit),
        "declared_source": c.declared_source,
        "verified": shown(c.verified_value, c.unit),
        "verified_source": c.verified_source,
        "outcome": crosscheck_findings.OUTCOME_LABELS[c.outcome],
        "difference": shown(c.difference, c.unit),
    }


KIND_NAMES = {
    "image/jpeg": "照片",
    "image/png": "图片",
    "image/heic": "照片",
    "application/pdf": "PDF",
    "video/mp4": "视频",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
}


def _evidence_row(e) -> dict:
    return {
        "code": e.code,
        "name": e.original_filename,
        "mime": e.mime,
        "kind": KIND_NAMES.get(e.mime, "其他"),
        "size": e.size,
        "size_text": fmt.file_size(e.size),
        "sha256": e.blob_sha256,
        "captured_at": fmt.date_time(e.captured_at),
        "location": f"{e.latitude}, {e.longitude}" if e.latitude is not None else "",
    }


def canonical_content(content: dict) -> dict:
    """What the report says, as plain JSON data: what the content hash covers and an issued version keeps
    (the bureau reads scores, grade, survey aggregates and findings from it, never from the live tables)."""
    canonical = {k: v for k, v in content.items() if k not in ("photos", "surveys")}
    canonical["photos"] = [p["sha256"] for p in content["photos"]]
    # Charts are drawn from the survey tables, which are hashed; their SVG bytes depend on the renderer.
    canonical["surveys"] = [{k: v for k, v in s.items() if k != "charts"} for s in content.get("surveys", [])]
    return json.loads(canonical_json(canonical))


def content_sha256(content: dict) -> str:
    """SHA-256 of the report's content: what the issued PDF and XLSX show, independent of layout bytes."""
    return sha256_hex(canonical_content(content))


def photo_uri(path: str) -> str:
    return Path(path).as_uri()
