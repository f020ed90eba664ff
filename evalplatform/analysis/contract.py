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
                   ``satisfaction5``: 5 非常满意, 4 满意, 3 一般, 2 不满意, 1 非常不满意,
                   0 (``UNKNOWN``) 不了解, NaN/None not answered;
                   ``single``: the chosen choice code (str), None if not answered;
                   ``multiple``: list/tuple of choice codes, None or empty if not answered;
                   ``text``: str, None/blank if not answered.
=================  ====================================================================

Question metadata: a sequence of :class:`Question` (code, type, label, dimension, choices).
Satisfaction items sharing a ``dimension`` form one multi-item scale (Cronbach's α, dimension rate).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

SATISFACTION5, SINGLE, MULTIPLE, TEXT = "satisfaction5", "single", "multiple", "text"
QUESTION_TYPES = (SATISFACTION5, SINGLE, MULTIPLE, TEXT)
UNKNOWN = 0
SATISFACTION_LEVELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意", UNKNOWN: "不了解"}
LEVEL_SCORES = {5: 100, 4: 80, 3: 60, 2: 40, 1: 20}  # weighted-score points per level
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

    def choice_label(self, code) -> str:
        return dict(self.choices).get(code, str(code))


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
        values = pd.to_numeric(frame[q.code], errors="coerce")
        bad = values.notna() & ~values.isin(list(SATISFACTION_LEVELS))
        if bad.any() or (frame[q.code].notna() & values.isna()).any():
            raise ContractError(f"题目 {q.code} 含有不是 0–5 的满意度代码")
