"""Contradictions a report must not carry (issue 21), as readiness checks: the report page names them and
submitting or issuing is refused while any is found (reporting.readiness).

- a satisfaction indicator scored while the survey annex (附件2) will say no survey was carried out;
- evidence from an inspection not yet finished (its record sheet is not in 附件3, its photos would be);
- a department-overall (部门整体支出) report written in a project's words.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engagements.models import EngagementKind
from ..i18n import N_
from .models import NARRATIVE_SECTIONS, Report
from .readiness import Problem, _link, _scored_rows, check

# A project's wording that has no place in a department's report (财预〔2020〕10号 附件3 vs 部门整体支出 outline).
PROJECT_WORDS = re.compile(r"本项目|该项目|项目支出绩效|项目概况|项目立项")


@check("survey_contradiction")
def survey_scored_but_not_carried_out(session: Session, report: Report) -> list[Problem]:
    """A 满意度 indicator scored from the survey method needs a survey with valid answers for 附件2 to show."""
    _summary, rows = _scored_rows(session, report)
    scored = [r.indicator for r in rows if r.indicator.method == "survey" and r.indicator.score is not None]
    if not scored or _survey_carried_out(session, report):
        return []
    return [
        Problem(
            "survey_contradiction",
            N_("指标“%(name)s”按满意度调查评分，但附件2将写明未开展满意度调查（没有有效问卷）"),
            {"name": i.name},
            **_link("indicators.tree", report),
        )
        for i in scored
    ]


def _survey_carried_out(session: Session, report: Report) -> bool:
    from ..analysis import sources

    return any(
        data.questions and bool(data.frame["valid"].any())
        for data in sources.questionnaire_surveys(session, report.engagement, satisfaction_only=True)
    )


@check("unfinished_inspection")
def evidence_from_unfinished_inspections(session: Session, report: Report) -> list[Problem]:
    """Photos of an inspection still in progress would appear in the evidence annex without its record sheet."""
    from ..evidence.models import Evidence
    from ..inspections.models import Inspection, InspectionPhoto

    rows = (
        session.execute(
            select(Evidence.number)
            .join(InspectionPhoto, InspectionPhoto.evidence_id == Evidence.id)
            .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
            .where(
                Inspection.engagement_id == report.engagement_id,
                Inspection.status != "finished",
                Evidence.deleted_at.is_(None),
            )
            .order_by(Evidence.number)
        )
        .scalars()
        .all()
    )
    if not rows:
        return []
    return [
        Problem(
            "unfinished_inspection",
            N_("证据 %(codes)s 来自尚未完成的现场勘查，勘查完成并签字后才能列入报告附件"),
            {"codes": "、".join(f"E-{number:04d}" for number in rows)},
            **_link("inspections.index", report),
        )
    ]


@check("department_wording")
def department_report_in_project_words(session: Session, report: Report) -> list[Problem]:
    if report.engagement.kind != EngagementKind.department:  # a str-enum; equal to its stored value too
        return []
    return [
        Problem(
            "department_wording",
            N_("部门整体支出评价报告的“%(name)s”使用了项目支出的表述“%(words)s”"),
            {"name": name, "words": "、".join(sorted(set(PROJECT_WORDS.findall(report.section_text(key)))))},
            **_link("reporting.page", report),
        )
        for key, name in NARRATIVE_SECTIONS.items()
        if PROJECT_WORDS.search(report.section_text(key))
    ]
