"""Survey analysis of one questionnaire's responses: filter, analyse, feed the scoring engine.

Input: the responses frame and question list described in ``analysis.contract``. Only valid responses count
in statistics; invalid ones are counted separately with their reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, Sequence

import pandas as pd

from .. import formatting as fmt
from . import comparisons, keywords, measures, stats
from .contract import TEXT, Question, check_contract, satisfaction_items

TEXT_LIST_LIMIT = 200


@dataclass
class SurveyData:
    """One questionnaire's responses as the analysis contract wants them (see analysis.contract)."""

    key: str
    title: str
    frame: pd.DataFrame
    questions: Sequence[Question]
    adequacy: measures.AdequacySettings = field(default_factory=measures.AdequacySettings)
    distribution_labels: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Filters:
    distribution_ids: tuple[int, ...] = ()
    strata: tuple[str, ...] = ()
    date_from: date | None = None  # local dates (formatting.local_zone), both inclusive
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.distribution_ids or self.strata or self.date_from or self.date_to)


def filter_responses(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    if not filters.active:  # the whole survey: no copy of the frame
        return frame
    mask = pd.Series(True, index=frame.index)
    if filters.distribution_ids:
        mask &= frame["distribution_id"].isin(filters.distribution_ids)
    if filters.strata:
        mask &= frame["stratum"].isin(filters.strata)
    if filters.date_from or filters.date_to:
        local = _local_dates(frame)
        if filters.date_from:
            mask &= local >= pd.Timestamp(filters.date_from)
        if filters.date_to:
            mask &= local <= pd.Timestamp(filters.date_to)
    return frame[mask]


def _local_dates(frame: pd.DataFrame) -> pd.Series:
    local = pd.to_datetime(frame["submitted_at"], utc=True).dt.tz_convert(fmt.timezone_name())
    return local.dt.tz_localize(None).dt.normalize()


@dataclass
class TextAnswers:
    question: Question
    answers: list[str]  # all of them, newest first (pages show the first TEXT_LIST_LIMIT)
    total: int
    keywords: list[tuple[str, int]]
    method: str


@dataclass
class Analysis:
    as_of: datetime  # when this analysis was computed
    last_response_at: datetime | None  # newest response included
    filters: Filters
    total: int
    valid: int
    invalid_reasons: list[tuple[str, int]]
    invalid: list[tuple]  # (response_id, distribution_id, stratum, submitted_at, reason)
    distributions: list[measures.ItemDistribution]
    satisfaction: list[measures.SatisfactionRow]
    reliability: list[measures.ScaleReliability]
    adequacy: list[measures.AdequacyRow]
    comparisons: list[comparisons.Comparison]
    timeline: list[tuple[date, int, int, int]]  # (local date, responses, valid, cumulative valid)
    texts: list[TextAnswers] = field(default_factory=list)

    def overall(self) -> measures.SatisfactionRow | None:
        return next((r for r in self.satisfaction if r.scope == "overall"), None)


def analyse(
    frame: pd.DataFrame,
    questions: Sequence[Question],
    now: datetime,
    *,
    filters: Filters = Filters(),
    adequacy: measures.AdequacySettings = measures.AdequacySettings(),
    confidence: float = 0.95,
    with_texts: bool = True,
) -> Analysis:
    """The full analysis the page, the XLSX export and the report show."""
    check_contract(frame, questions)
    frame = filter_responses(frame, filters)
    valid = frame[frame["valid"].astype(bool)]
    items = satisfaction_items(questions)
    matrix = measures.level_matrix(valid, items)
    submitted = pd.to_datetime(frame["submitted_at"], utc=True)
    return Analysis(
        as_of=now,
        last_response_at=submitted.max().to_pydatetime() if len(frame) else None,
        filters=filters,
        total=len(frame),
        valid=len(valid),
        invalid_reasons=invalid_reasons(frame),
        invalid=invalid_responses(frame),
        distributions=measures.distributions(valid, questions, matrix),
        satisfaction=measures.satisfaction_table(items, matrix, confidence),
        reliability=measures.reliability_table(items, matrix),
        adequacy=measures.adequacy_table(frame, adequacy),
        comparisons=comparisons.compare_groups(valid, items, matrix, questions),
        timeline=timeline(frame),
        texts=[text_answers(valid, q) for q in questions if q.type == TEXT] if with_texts else [],
    )


def invalid_reasons(frame: pd.DataFrame) -> list[tuple[str, int]]:
    invalid = frame[~frame["valid"].astype(bool)]
    reasons = invalid["invalid_reason"].fillna("（未注明原因）").value_counts()
    return [(str(reason), int(count)) for reason, count in reasons.items()]


def invalid_responses(frame: pd.DataFrame) -> list[tuple]:
    invalid = frame.loc[
        ~frame["valid"].astype(bool), ["response_id", "distribution_id", "stratum", "submitted_at", "invalid_reason"]
    ]
    return list(invalid.itertuples(index=False, name=None))


def timeline(frame: pd.DataFrame) -> list[tuple[date, int, int, int]]:
    """Responses per local day, all and valid, with the running total of valid ones."""
    if frame.empty:
        return []
    days = pd.DataFrame({"day": _local_dates(frame), "valid": frame["valid"].astype(bool).to_numpy()})
    grouped = days.groupby("day")["valid"].agg(["size", "sum"])
    cumulative = grouped["sum"].cumsum()
    return [(day.date(), int(row["size"]), int(row["sum"]), int(cumulative[day])) for day, row in grouped.iterrows()]


def text_answers(valid: pd.DataFrame, question: Question) -> TextAnswers:
    series = valid[question.code]
    answered = series[series.notna()].astype(str).str.strip()
    answered = answered[answered != ""]
    order = pd.to_datetime(valid.loc[answered.index, "submitted_at"], utc=True).sort_values(ascending=False).index
    words, method = keywords.keyword_frequency(answered.tolist())
    return TextAnswers(question, answered.loc[order].tolist(), len(answered), words, method)


class SurveyScore(NamedTuple):
    """What the `survey` scoring method needs: satisfaction (top-two-box share) with its interval and adequacy."""

    rate: float | None
    ci_low: float | None
    ci_high: float | None
    n_valid: int
    adequacy: measures.AdequacyRow
    excluded: int = 0  # no-opinion answers (不了解/不适用…) left out of the rate's denominator


def satisfaction_for_scoring(
    frame: pd.DataFrame,
    questions: Sequence[Question],
    item: str | None = None,
    *,
    adequacy: measures.AdequacySettings = measures.AdequacySettings(),
    confidence: float = 0.95,
) -> SurveyScore:
    """Overall satisfaction (or one item's, by question code) of the valid responses, for the indicator engine."""
    check_contract(frame, questions)
    valid = frame[frame["valid"].astype(bool)]
    items = satisfaction_items(questions)
    if item is not None:
        items = [q for q in items if q.code == item]
        if not items:
            raise KeyError(f"问卷中没有满意度题 {item}")
    matrix = measures.level_matrix(valid, items)
    excluded = 0
    if items:
        row = measures.satisfaction_row("overall", item or measures.OVERALL, "", matrix, confidence, items)
        rate, excluded = row.rate, row.unknown
    else:
        rate = stats.Interval(None, None, None, 0, "问卷没有满意度题")
    overall = measures.adequacy_table(frame, adequacy)[-1]
    return SurveyScore(rate.estimate, rate.low, rate.high, len(valid), overall, excluded)
