"""The input contract of survey analysis: a responses DataFrame plus question metadata.

Responses (``pandas.DataFrame``), one row per response (答卷), valid and invalid alike:

=================  ====================================================================
``response_id``    int, unique
``distribution_id``int, the 发放渠道 the response came through
``stratum``        str or None, the sampling stratum (村、学校、站点…)
``submitted_at``   timezone-aware datetime (UTC)
``valid``          bool; only valid responses count in any statistic
``invalid_reason`` str or None; why a response was flagged invalid (kept, never deleted)
``<question code>``one column per question, values by question type:
                   ``satisfaction5`` (a satisfaction scale): its level k…1 (k = the question's
                   number of rated options, best = k; the standard scale is 5 非常满意,
                   4 满意, 3 一般, 2 不满意, 1 非常不满意), 0 (``UNKNOWN``) a no-opinion
                   answer (不了解/不清楚/不适用…), NaN/None not answered;
                   ``single``: the chosen choice code (str), None if not answered;
                   ``multiple``: list/tuple of choice codes, None or empty if not answered;
                   ``text``: str, None/blank if not answered.
=================  ====================================================================

Question metadata: a sequence of :class:`Question` (code, type, label, dimension, choices, levels).
A satisfaction item's ``levels`` give each rated level's label, score (out of 100) and whether it counts as
satisfied, best first; no-opinion answers are counted and reported but never in a rate's denominator.
Satisfaction items sharing a ``dimension`` form one multi-item scale (Cronbach's α, dimension rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

SATISFACTION5, SINGLE, MULTIPLE, TEXT = "satisfaction5", "single", "multiple", "text"
QUESTION_TYPES = (SATISFACTION5, SINGLE, MULTIPLE, TEXT)
UNKNOWN = 0
SATISFACTION_LEVELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意", UNKNOWN: "不了解"}
LEVEL_SCORES = {5: 100, 4: 80, 3: 60, 2: 40, 1: 20}  # weighted-score points per level
# The standard scale (design.md §5), best first: (label, score, counts as satisfied).
STANDARD_LEVELS = tuple(
    (SATISFACTION_LEVELS[level], float(LEVEL_SCORES[level]), level >= 4) for level in (5, 4, 3, 2, 1)
)
META_COLUMNS = ("response_id", "distribution_id", "stratum", "submitted_at", "valid", "invalid_reason")


class ContractError(ValueError):
    """The responses frame or the question list does not follow the analysis contract."""


@dataclass(frozen=True)
class Question:
    code: str
    type: str
    label: str
    dimension: str | None = None
    choices: tuple[tuple[str, str], ...] = field(default=())  # (choice code, label) for single/multiple
    levels: tuple[tuple[str, float, bool], ...] = STANDARD_LEVELS  # satisfaction: (label, score, satisfied)
    no_opinion_label: str = SATISFACTION_LEVELS[UNKNOWN]

    def choice_label(self, code) -> str:
        return dict(self.choices).get(code, str(code))

    @property
    def k(self) -> int:
        """Rated levels of a satisfaction item (5 on the standard scale)."""
        return len(self.levels)

    def level(self, level: int) -> tuple[str, float, bool]:
        """(label, score, satisfied) of rated level 1…k."""
        return self.levels[self.k - level]


def satisfaction_items(questions: Sequence[Question]) -> list[Question]:
    return [q for q in questions if q.type == SATISFACTION5]


def empty_frame(questions: Sequence[Question] = ()) -> pd.DataFrame:
    """A frame with no responses that still follows the contract (no questionnaire yet, filters too narrow)."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in META_COLUMNS})
    frame["submitted_at"] = pd.Series(dtype="datetime64[ns, UTC]")
    frame["valid"] = pd.Series(dtype=bool)
    for q in questions:
        frame[q.code] = pd.Series(dtype=float if q.type == SATISFACTION5 else object)
    return frame


def check_contract(frame: pd.DataFrame, questions: Sequence[Question]) -> None:
    """Raise ContractError naming what is missing or malformed; cheap enough to run on every analysis."""
    missing = [c for c in META_COLUMNS if c not in frame.columns]
    if missing:
        raise ContractError(f"答卷数据缺少列：{'、'.join(missing)}")
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        raise ContractError("题目编号重复")
    for q in questions:
        if q.type not in QUESTION_TYPES:
            raise ContractError(f"题目 {q.code} 的类型 {q.type} 不受支持")
        if q.code not in frame.columns:
            raise ContractError(f"答卷数据缺少题目 {q.code} 的列")
        if q.code in META_COLUMNS:
            raise ContractError(f"题目编号 {q.code} 与保留列重名")
    for q in satisfaction_items(questions):
        if frame[q.code].dtype.kind in "fi":  # numbers already: a level is a whole number from 0 to k
            values = frame[q.code].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                bad = (values != np.floor(values)) | (values < 0) | (values > q.k)
            if (bad & ~np.isnan(values)).any():
                raise ContractError(f"题目 {q.code} 含有不是 0–{q.k} 的满意度代码")
            continue
        values = pd.to_numeric(frame[q.code], errors="coerce")
        bad = values.notna() & ~values.isin(range(q.k + 1))
        if bad.any() or (frame[q.code].notna() & values.isna()).any():
            raise ContractError(f"题目 {q.code} 含有不是 0–{q.k} 的满意度代码")
