"""Verified values fed into scoring from other domains: the satisfaction survey and the cross-checks.

- ``survey_status(session, engagement)`` → the engagement's questionnaire result (``SurveyStatus``) as
  ``analysis.satisfaction_for_scoring`` gives it, or None without a questionnaire;
  ``apply_survey(session, engagement, indicator, actor, now)`` sets it as the verified value (%) of a
  ``survey`` indicator through ``scoring.set_verified_value`` (audit-logged, scored).
- ``cross_check_matches(session, engagement)`` → which cross-check results bear on which level-3
  indicator; ``apply_cross_checks(...)`` sets them all.

No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from ..analysis import satisfaction_for_scoring
from ..analysis.contract import satisfaction_items
from ..analysis.sources import questionnaire_surveys
from ..crosscheck.findings import findings
from ..crosscheck.service import verified_values
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit
from ..indicators import engine
from ..indicators.models import Indicator
from ..indicators.service import IndicatorError, _audit, ordered, tree_for
from . import service as scoring

HUNDRED, TENTH = Decimal(100), Decimal("0.1")


class FeedError(IndicatorError):
    """Nothing to take the value from; the message says why (Chinese)."""


def _percent(share: float | Decimal | None) -> Decimal | None:
    return None if share is None else (Decimal(str(share)) * HUNDRED).quantize(TENTH, ROUND_HALF_UP)


# --- Survey ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyStatus:
    key: str  # the questionnaire (instrument id)
    title: str
    rate: Decimal | None  # satisfaction %, 0.1
    low: Decimal | None  # 95 % Wilson interval, %
    high: Decimal | None
    n_valid: int
    required_valid: int | None  # valid responses needed (95 %, ±5 %, finite-population corrected)
    adequate: bool | None
    margin: Decimal | None  # achieved margin of error, percentage points
    excluded: int = 0  # “不了解”-type answers, not in the rate's denominator

    @property
    def source(self) -> str:
        excluded = f"“不了解”等 {self.excluded} 个回答不计入满意率，" if self.excluded else ""
        return f"满意度调查（有效问卷 {self.n_valid} 份，{excluded}95% 区间 {self.low}–{self.high}%）"


def survey_status(
    session: Session, engagement: Engagement, survey_key: str | None = None, item: str | None = None
) -> SurveyStatus | None:
    """The first questionnaire with satisfaction questions (or the one keyed `survey_key`), overall or `item`."""
    surveys = [
        s
        for s in questionnaire_surveys(session, engagement)
        if (s.key == survey_key if survey_key else satisfaction_items(s.questions))
    ]
    if not surveys:
        return None
    survey = surveys[0]
    try:
        score = satisfaction_for_scoring(survey.frame, survey.questions, item, adequacy=survey.adequacy)
    except KeyError as error:
        raise FeedError(f"问卷“{survey.title}”中没有满意度题 {item}") from error
    adequacy = score.adequacy
    return SurveyStatus(
        survey.key,
        survey.title,
        _percent(score.rate),
        _percent(score.ci_low),
        _percent(score.ci_high),
        score.n_valid,
        adequacy.required_valid,
        adequacy.adequate,
        _percent(adequacy.margin),
        score.excluded,
    )


def apply_survey(
    session: Session,
    engagement: Engagement,
    indicator: Indicator,
    actor,
    now: datetime,
    *,
    survey_key: str | None = None,
) -> SurveyStatus:
    """从问卷结果取值: the questionnaire's satisfaction (%) becomes the indicator's verified and scored value.
    The indicator's params may name one item (``survey_item``: a question code) instead of the overall rate."""
    ensure_can_edit(engagement, actor)
    if indicator.level != 3 or indicator.method != "survey":
        raise FeedError(f"“{indicator.name}”不是按问卷调查计分的三级指标")
    status = survey_status(session, engagement, survey_key, (indicator.params or {}).get("survey_item"))
    if status is None:
        raise FeedError("本项目还没有含满意度题的问卷")
    if status.rate is None:
        raise FeedError(f"问卷“{status.title}”还没有有效的满意度作答（有效问卷 {status.n_valid} 份）")
    scoring.set_verified_value(session, indicator, status.rate, status.source, actor, now)
    _audit(
        session,
        actor,
        now,
        "indicators.survey_fed",
        indicator,
        count=status.n_valid,
        result=f"问卷 {status.key}“{status.title}”：{status.rate}%（95% 区间 {status.low}–{status.high}%），"
        f"有效问卷 {status.n_valid} 份，需 {status.required_valid} 份，"
        f"样本量{'充足' if status.adequate else '不足'}",
    )
    return status


# --- Cross-checks ---------------------------------------------------------------------------------

# Formula inputs from the cross-checks' figures (all in 元): input → (cross-check rule, declared|verified).
FORMULA_FIGURES = {
    "budget_execution_rate": {
        "actual_spent": ("executed_amount", "verified"),
        "funds_in_place": ("funds_in_place", "verified"),
    },
    "funds_in_place_rate": {
        "funds_in_place": ("funds_in_place", "verified"),
        "budget": ("funds_in_place", "declared"),
    },  # declared = 自评表 全年预算数
    "budget_execution_rate_annual": {
        "annual_executed": ("executed_amount", "verified"),
        "annual_budget": ("funds_in_place", "declared"),
    },
}
# Indicators scored from a rate the cross-checks give: indicator name → (rule, how to get the %).
DERIVED = {"预算执行率": "execution_rate", "资金到位率": "funds_in_place"}


@dataclass(frozen=True)
class CrossCheckMatch:
    indicator: Indicator
    value: Decimal  # the verified figure for the indicator (a % for rates)
    source: str
    check_ids: tuple[int, ...]
    inputs: dict | None  # formula inputs from verified figures, when the indicator is a formula


def cross_check_matches(session: Session, engagement: Engagement) -> list[CrossCheckMatch]:
    """Level-3 indicators a verified cross-check bears on: by `indicator_ref`, then by subject = name, then
    预算执行率 / 资金到位率 from the built-in rules (rates as %)."""
    values = verified_values(session, engagement)
    by_rule = {v.rule: v for v in values.values()}
    tree = tree_for(session, engagement)
    matches = []
    for indicator in ordered(tree) if tree else []:
        if indicator.level != 3 or indicator.not_applicable:
            continue
        match = _match(indicator, values, by_rule)
        if match is not None:
            matches.append(match)
    return matches


def _match(indicator: Indicator, values: dict, by_rule: dict) -> CrossCheckMatch | None:
    name = indicator.name
    check = next((v for v in values.values() if v.indicator_ref == name and v.verified is not None), None)
    if check is None and name in values and values[name].verified is not None and values[name].rule != "funds_in_place":
        check = values[name]
    inputs = _formula_inputs(indicator, by_rule)
    rates = ("execution_rate", "satisfaction")  # stored as fractions, shown as %
    if check is not None and check.rule not in rates and check.unit and indicator.unit and check.unit != indicator.unit:
        check = None  # e.g. 公里 verified for a % indicator: not the indicator's figure
    if check is not None:
        value = check.verified * HUNDRED if check.rule in rates else check.verified
        return CrossCheckMatch(indicator, _quantize(value), _source(check), (check.cross_check_id,), inputs)
    rule = DERIVED.get(name)
    check = by_rule.get(rule) if rule else None
    if check is None or check.verified is None:
        return None
    if rule == "execution_rate":
        value = check.verified * HUNDRED
    elif check.declared:  # 资金到位率 = ledger 到位合计 / 自评表 全年预算数
        value = check.verified / check.declared * HUNDRED
    else:
        return None
    return CrossCheckMatch(indicator, _quantize(value), _source(check), (check.cross_check_id,), inputs)


# How far the figure scoring uses may stray from the verified one before the workspace warns: half a
# percentage point for a rate, half a percent of the verified figure otherwise.
RATE_TOLERANCE, RELATIVE_TOLERANCE = Decimal("0.5"), Decimal("0.005")


@dataclass(frozen=True)
class Divergence:
    used: Decimal  # the figure the score rests on now (实际值, else 申报值)
    verified: Decimal  # what the cross-check verified
    source: str

    @property
    def difference(self) -> Decimal:
        return self.used - self.verified


def divergences(session: Session, engagement: Engagement) -> dict[int, Divergence]:
    """Indicators scored on a figure that differs from its verified one beyond tolerance (issue 21: scoring
    used the declared 预算执行率 90% while the cross-check verified 79.83%, and nothing said so)."""
    found = {}
    for match in cross_check_matches(session, engagement):
        indicator = match.indicator
        used = _figure_used(indicator)
        if used is None:
            continue  # nothing scored yet
        allowed = RATE_TOLERANCE if indicator.unit == "%" else RELATIVE_TOLERANCE * abs(match.value)
        if abs(used - match.value) > allowed:
            found[indicator.id] = Divergence(used, match.value, match.source)
    return found


def _figure_used(indicator: Indicator) -> Decimal | None:
    """A formula's rate from its inputs (预算执行率 = 实际支出 / 实际到位), else the 实际值, else the 申报值."""
    if indicator.method == "formula":
        try:
            rate = engine.formula_value(str((indicator.params or {}).get("formula")), indicator.inputs or {})
        except engine.ScoringError:
            rate = None
        if rate is not None:
            return rate
    return indicator.actual_value if indicator.actual_value is not None else indicator.declared_value


def _formula_inputs(indicator: Indicator, by_rule: dict) -> dict | None:
    if indicator.method != "formula":
        return None
    wanted = FORMULA_FIGURES.get(str((indicator.params or {}).get("formula")))
    if not wanted:
        return None
    inputs = {}
    for key, (rule, side) in wanted.items():
        check = by_rule.get(rule)
        figure = getattr(check, side) if check is not None else None
        if figure is None:
            return None
        inputs[key] = f"{figure.normalize():f}"
    return inputs


def _quantize(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _source(check) -> str:
    return f"对照查证复核：{check.subject}（{check.basis}）"


def apply_cross_checks(session: Session, engagement: Engagement, actor, now: datetime) -> list[CrossCheckMatch]:
    """Set every matching cross-check result as the verified value of its indicator (audit-logged, scored).
    A formula indicator gets the verified figures as its inputs, so its score follows the verified value."""
    ensure_can_edit(engagement, actor)
    matches = cross_check_matches(session, engagement)
    for match in matches:
        indicator = match.indicator
        if indicator.method == "formula":
            scoring.set_verified_value(session, indicator, match.value, match.source, actor, now, use_as_actual=False)
            keys = set(engine.FORMULAS.get(str((indicator.params or {}).get("formula")), ("", ()))[1])
            inputs = (
                match.inputs
                if match.inputs is not None
                else {k: v for k, v in (indicator.inputs or {}).items() if k not in keys}
            )  # so the value is scored
            scoring.record_score(session, indicator, actor, now, actual_value=match.value, inputs=inputs)
        else:
            scoring.set_verified_value(session, indicator, match.value, match.source, actor, now)
    return matches


# --- Findings (问题清单) ------------------------------------------------------------------------------

FINDINGS_MARK = "【问题清单扣分】"


@dataclass(frozen=True)
class FindingDeduction:
    code: str  # F-001
    title: str
    points: Decimal  # the finding's suggested deduction
    finding_id: int


def finding_deductions(session: Session, engagement: Engagement) -> dict[str, list[FindingDeduction]]:
    """Findings with a suggested deduction, by the level-3 indicator names they are linked to."""
    found: dict[str, list[FindingDeduction]] = {}
    for finding in findings(session, engagement):
        if finding.suggested_deduction is None:
            continue
        for name in dict.fromkeys(finding.indicator_refs or []):
            found.setdefault(name, []).append(
                FindingDeduction(finding.code, finding.title, finding.suggested_deduction, finding.id)
            )
    return found


def apply_findings(
    session: Session, engagement: Engagement, indicator: Indicator, actor, now: datetime
) -> list[FindingDeduction]:
    """应用问题清单扣分: the suggested deductions of the findings linked to a `deduction` indicator become its
    deduction inputs (replacing earlier ones from findings, keeping the evaluator's own) and its rationale."""
    ensure_can_edit(engagement, actor)
    if indicator.level != 3 or indicator.method != "deduction":
        raise FeedError(f"“{indicator.name}”不是按扣分法计分的三级指标，问题清单的建议扣分只能用于扣分法指标")
    items = finding_deductions(session, engagement).get(indicator.name, [])
    if not items:
        raise FeedError(f"问题清单中没有关联“{indicator.name}”且有建议扣分的问题")
    own = [
        d for d in (indicator.inputs or {}).get("deductions") or [] if not (isinstance(d, dict) and d.get("finding"))
    ]
    deductions = own + [
        {"points": f"{d.points.normalize():f}", "finding": d.code, "reason": d.title[:200]} for d in items
    ]
    text = FINDINGS_MARK + "；".join(f"{d.code} {d.title}，扣 {d.points.normalize():f} 分" for d in items)
    earlier = (indicator.rationale or "").split(FINDINGS_MARK)[0].strip()
    rationale = f"{earlier}\n{text}" if earlier else text
    scoring.record_score(
        session,
        indicator,
        actor,
        now,
        inputs={**(indicator.inputs or {}), "deductions": deductions},
        rationale=rationale,
    )
    _audit(
        session,
        actor,
        now,
        "indicators.findings_fed",
        indicator,
        count=len(items),
        result="、".join(f"{d.code} −{d.points.normalize():f}" for d in items),
    )
    return items


def deduction_total(deductions) -> Decimal | None:
    """The sum of a deduction indicator's inputs (what the 扣分合计 box shows)."""
    if not deductions:
        return None
    total = Decimal(0)
    for item in deductions:
        total += Decimal(str(item.get("points") if isinstance(item, dict) else item))
    return total
