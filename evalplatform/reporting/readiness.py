"""Is the report ready to go to review, or to the bureau? A checklist of what is still missing.

Each check is a function `(session, report) -> list[Problem]` registered under a key with `@check("key")`.
`problems(session, report)` runs them all, in registration order; the report page lists what they find, and
submitting for review (提交复核) and issuing (签发) are refused while anything is listed — unless the firm
allows its partner (复核合伙人) to override, with a reason that is recorded (service.submit / service.issue).

Other packages add their own checks in their own module (e.g. reporting/contradictions.py for figures that
contradict each other) by decorating functions with `@check`; CHECK_MODULES lists those modules so that they
are imported, and their checks registered, before the first report is checked.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..analysis import measures, sources
from ..crosscheck import findings
from ..i18n import N_, translate
from ..indicators.rollup import scoring_summary
from ..indicators.service import tree_for
from ..questionnaires.models import Distribution, Response
from ..scoring.service import evidence_by_indicator
from .models import GENERATED_WHEN_EMPTY, NARRATIVE_SECTIONS, Report

# Modules holding further @check functions (imported once, lazily: they may import this module).
CHECK_MODULES = ("evalplatform.reporting.contradictions",)


@dataclass(frozen=True)
class Problem:
    """One thing missing: a message (a msgid marked with N_ and its values) and, where useful, where to fix it."""

    key: str  # the check's key, e.g. "unscored"
    msgid: str  # Chinese, with %(name)s placeholders filled from `values`
    values: dict = field(default_factory=dict)
    endpoint: str | None = None  # a url_for endpoint of the page where it is fixed …
    params: dict | None = None  # … and its arguments (the template builds the link)

    @property
    def message(self) -> str:
        """In the reader's language on a page; Chinese in refusals outside a request and on the audit chain."""
        return translate(self.msgid, **self.values)

    def __str__(self) -> str:
        return self.msgid % self.values  # Chinese, like every refusal message and the audit chain


Check = Callable[[Session, Report], list[Problem]]
CHECKS: dict[str, Check] = {}
_loaded = False


def check(key: str) -> Callable[[Check], Check]:
    """Register a readiness check under `key` (a later registration of the same key replaces it)."""

    def register(function: Check) -> Check:
        CHECKS[key] = function
        return function

    return register


def _load_check_modules() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in CHECK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # the module exists but something it imports does not: a real error
                raise


def problems(session: Session, report: Report) -> list[Problem]:
    """Everything still missing before the report can be submitted or issued (empty when it is ready)."""
    _load_check_modules()
    found: list[Problem] = []
    for function in CHECKS.values():
        found.extend(function(session, report))
    return found


def _link(endpoint: str, report: Report, **params) -> dict:
    return {"endpoint": endpoint, "params": {"engagement_id": report.engagement_id, **params}}


# ---------------------------------------------------------------- the report's own checks


@check("empty_sections")
def empty_sections(session: Session, report: Report) -> list[Problem]:
    """Every narrative section of the 附件3 outline must say something (even "无")."""
    return [
        Problem("empty_sections", N_("报告章节“%(name)s”尚未填写"), {"name": name}, **_link("reporting.page", report))
        for key, name in NARRATIVE_SECTIONS.items()
        if key not in GENERATED_WHEN_EMPTY and not report.section_text(key).strip()
    ]


def _scored_rows(session: Session, report: Report):
    summary = scoring_summary(session, report.engagement)
    return summary, [r for r in summary.rows if r.indicator.level == 3 and not r.indicator.not_applicable]


@check("scoring")
def scoring_complete(session: Session, report: Report) -> list[Problem]:
    """Every applicable 三级指标 scored; every deduction with its reason and at least one piece of evidence."""
    summary, rows = _scored_rows(session, report)
    if not summary.rows:
        return [Problem("scoring", N_("尚未建立指标体系"), {}, **_link("indicators.tree", report))]
    evidence = evidence_by_indicator(session, tree_for(session, report.engagement)) if rows else {}
    found = [
        Problem("problems", N_("指标体系有误：%(text)s"), {"text": text}, **_link("indicators.tree", report))
        for text in summary.problems
    ]
    for row in rows:
        i = row.indicator
        if i.score is None:
            found.append(
                Problem("unscored", N_("指标“%(name)s”尚未评分"), {"name": i.name}, **_link("indicators.tree", report))
            )
        elif i.below_full and not i.rationale.strip():
            found.append(
                Problem(
                    "deduction_rationale",
                    N_("指标“%(name)s”扣分但未填写扣分原因"),
                    {"name": i.name},
                    **_link("indicators.tree", report),
                )
            )
        elif i.below_full and not evidence.get(i.id):
            found.append(
                Problem(
                    "deduction_evidence",
                    N_("指标“%(name)s”扣分但未关联证据"),
                    {"name": i.name},
                    **_link("indicators.tree", report),
                )
            )
    return found


@check("findings")
def findings_complete(session: Session, report: Report) -> list[Problem]:
    """A finding in 问题清单 without a rectification suggestion (整改建议) is not yet a finding a bureau can act on."""
    return [
        Problem(
            "recommendation",
            N_("问题“%(title)s”尚未填写整改建议"),
            {"title": f.title},
            **_link("crosscheck.findings_page", report),
        )
        for f in findings.findings(session, report.engagement)
        if not (f.recommendation or "").strip()
    ]


@check("samples")
def survey_samples(session: Session, report: Report) -> list[Problem]:
    """The satisfaction figures the report prints (overall, over all strata) must rest on the required sample.
    A stratum short of its own sample is disclosed in the survey annex's summary, not a reason to hold the report.
    Counted in SQL: the gate must not load 100,000 answers to count them."""
    found = []
    for instrument in sources.questionnaires_of(session, report.engagement):
        counts = _valid_counts(session, instrument)
        if counts.empty:
            continue
        settings = sources.adequacy_settings(_distributions(session, instrument))
        overall = measures.adequacy_table(counts, settings)[-1]
        if not overall.adequate:
            found.append(
                Problem(
                    "sample",
                    N_("问卷“%(title)s”有效样本 %(got)s 份，低于所需 %(need)s 份"),
                    {"title": instrument.title, "got": overall.achieved_valid, "need": overall.required_valid},
                    **_link("analysis.page", report),
                )
            )
    return found


def _distributions(session: Session, instrument):
    return list(session.scalars(select(Distribution).where(Distribution.instrument_id == instrument.id)))


def _valid_counts(session: Session, instrument) -> pd.DataFrame:
    """One row per response with just its stratum and validity (what adequacy needs), from grouped counts."""
    valid = Response.invalid_reason.is_(None)
    rows = session.execute(
        select(Distribution.stratum, valid, func.count())
        .join(Distribution, Response.distribution_id == Distribution.id)
        .where(Response.instrument_id == instrument.id)
        .group_by(Distribution.stratum, valid)
    ).all()
    counts = [n for *_key, n in rows]
    return pd.DataFrame(
        {
            "stratum": np.repeat([r[0] for r in rows], counts).astype(object),
            "valid": np.repeat([bool(r[1]) for r in rows], counts),
        }
    )
