"""The analysis provider on real data: each questionnaire of an engagement as ``SurveyData``.

``questionnaire_surveys(session, engagement)`` is registered in the app factory as
``app.extensions["analysis.provider"]``. It reads ``questionnaires.exports.responses_frame`` and maps the
instrument definition onto the analysis contract (``analysis.contract``):

==================  ============================================================================
instrument type     analysis question
==================  ============================================================================
``satisfaction``    ``satisfaction5``: codes "5"…"1" → 5…1, "dk" (不了解) → 0; dimension = the
                    question's ``dimension`` key if it has one
single choice on a  ``satisfaction5`` on the list's own scale (instruments.scales: marked by the
satisfaction scale  XLSForm `scale` column or recognised from the standard 5/4-point labels):
                    rated options → k…1 best first, with their scores; 不了解/不适用… → 0
``matrix``          each item ``code.item`` → ``satisfaction5`` with dimension = the matrix label
                    (only matrices on a satisfaction scale; other matrices are skipped)
``single_choice``   ``single``;  ``multiple_choice`` → ``multiple``;  ``text`` → ``text``
others              skipped (numbers, dates, sites, photos, notes); attention checks are skipped
==================  ============================================================================

Adequacy: a distribution's ``population`` (总体规模) is the stratum's population N (the largest one stated
among the stratum's channels); a ``quota`` is a target sample size, not a population, so it is not used as N.
No Flask here.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..instruments.models import Instrument
from ..instruments.scales import Scale, scale_of
from ..instruments.schema import answer_columns, choices_of
from ..questionnaires.exports import responses_frame
from ..questionnaires.models import Distribution
from .contract import MULTIPLE, SATISFACTION5, SINGLE, TEXT, UNKNOWN, Question
from .measures import AdequacySettings
from .service import SurveyData

SIMPLE_TYPES = {"single_choice": SINGLE, "multiple_choice": MULTIPLE, "text": TEXT}


def questionnaires_of(session: Session, engagement) -> list[Instrument]:
    return list(
        session.scalars(
            select(Instrument)
            .where(Instrument.engagement_id == engagement.id, Instrument.kind == "questionnaire")
            .order_by(Instrument.id)
        )
    )


def questionnaire_surveys(session: Session, engagement, *, satisfaction_only: bool = False) -> list[SurveyData]:
    """The provider: one SurveyData per questionnaire of the engagement, oldest first.

    satisfaction_only: load just the satisfaction items (the report's annex), not profile or open questions."""
    return [
        survey_data(session, instrument, satisfaction_only=satisfaction_only)
        for instrument in questionnaires_of(session, engagement)
    ]


def survey_data(session: Session, instrument: Instrument, *, satisfaction_only: bool = False) -> SurveyData:
    questions = analysis_questions([v.definition for v in reversed(instrument.versions)])
    if satisfaction_only:
        questions = [q for q in questions if q.type == SATISFACTION5]
    raw = responses_frame(
        session,
        instrument,
        only={q.code for q in questions} if satisfaction_only else None,
        quality=False,
        levels={
            q.code: {code: float(level) for code, level in q.choices} for q in questions if q.type == SATISFACTION5
        },
    )
    distributions = list(
        session.scalars(
            select(Distribution).where(Distribution.instrument_id == instrument.id).order_by(Distribution.id)
        )
    )
    return SurveyData(
        key=str(instrument.id),
        title=instrument.title,
        frame=to_contract(raw, questions),
        questions=questions,
        adequacy=adequacy_settings(distributions),
        distribution_labels={d.id: _channel_label(d) for d in distributions},
    )


def analysis_questions(definitions: Sequence[dict]) -> list[Question]:
    """Questions of the given definitions (newest first: its wording wins), mapped onto the contract."""
    found: dict[str, Question] = {}
    for definition in definitions:
        for column, question, item in answer_columns(definition):
            if column not in found:
                mapped = _question(column, question, item)
                if mapped is not None:
                    found[column] = mapped
    return list(found.values())


def _question(column: str, question: dict, item: dict | None) -> Question | None:
    kind = question["type"]
    if question.get("attention_check"):
        return None
    scale = scale_of(question)
    if scale is not None and (kind != "matrix" or item is not None):
        dimension = question["label"] if kind == "matrix" else question.get("dimension")
        return Question(
            column,
            SATISFACTION5,
            item["label"] if item else question["label"],
            dimension,
            levels=tuple((label, score, satisfied) for _code, label, score, satisfied in scale.rated),
            no_opinion_label="、".join(label for _code, label in scale.no_opinion) or "不了解",
            choices=_level_codes(scale),
        )
    if kind in SIMPLE_TYPES:
        choices = tuple((str(c["code"]), c["label"]) for c in choices_of(question))
        return Question(column, SIMPLE_TYPES[kind], question["label"], choices=choices)
    return None


def _level_codes(scale: Scale) -> tuple[tuple[str, str], ...]:
    """(answer code, level as text) for a satisfaction item: rated options k…1 best first, no opinion 0."""
    k = len(scale.rated)
    return tuple((code, str(k - i)) for i, (code, *_rest) in enumerate(scale.rated)) + tuple(
        (code, str(UNKNOWN)) for code, _label in scale.no_opinion
    )


def to_contract(raw: pd.DataFrame, questions: Sequence[Question]) -> pd.DataFrame:
    """The export frame with satisfaction codes as levels, aware UTC times and only the analysed columns."""
    index = pd.RangeIndex(len(raw))
    columns = {
        "response_id": raw["response_id"].to_numpy(dtype="int64"),
        "distribution_id": raw["distribution_id"].to_numpy(dtype="int64"),
        "stratum": pd.Series(raw["stratum"].to_numpy(dtype=object), index=index, dtype=object),
        "submitted_at": pd.Series(pd.to_datetime(raw["submitted_at"], utc=True).array, index=index),
        "valid": raw["valid"].to_numpy(dtype=bool),
        "invalid_reason": pd.Series(raw["invalid_reason"].to_numpy(dtype=object), index=index, dtype=object),
    }
    for q in questions:
        values = raw[q.code].to_numpy() if q.code in raw.columns else np.full(len(raw), None, dtype=object)
        if q.type == SATISFACTION5 and values.dtype.kind == "f":  # mapped in SQL (PostgreSQL)
            columns[q.code] = values
        elif q.type == SATISFACTION5:  # answer code → level k…1, no opinion → 0, anything else → NaN
            level_of = {code: float(level) for code, level in q.choices}
            codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
            lookup = np.array([level_of.get(u, np.nan) for u in uniques] + [np.nan], dtype=float)
            columns[q.code] = lookup[codes]  # code -1 (missing) → the last NaN
        elif q.type == MULTIPLE:
            columns[q.code] = pd.Series(
                [list(v) if isinstance(v, (list, tuple)) else None for v in values.astype(object)],
                index=index,
                dtype=object,
            )
        else:
            columns[q.code] = pd.Series(_texts(values.astype(object)), index=index, dtype=object)
    return pd.DataFrame(columns, index=index)


def _texts(values: np.ndarray) -> np.ndarray:
    """Answers as str, None where blank (None, NaN or ""): judged once per distinct answer."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    kept = np.array([None if _blank(v) else str(v) for v in uniques] + [None], dtype=object)
    return kept[codes]


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def adequacy_settings(distributions: Sequence[Distribution]) -> AdequacySettings:
    """Each stratum's population as its channels state it. Several channels of one stratum (a poster and a
    WeChat link in the same village) reach the same people, so they are not added up: the largest counts."""
    populations: dict[str, int] = {}
    for d in distributions:
        if d.population:
            populations[d.stratum] = max(populations.get(d.stratum, 0), d.population)
    return AdequacySettings(populations=populations)


def _channel_label(distribution: Distribution) -> str:
    return f"{distribution.name}（{distribution.stratum}）"
