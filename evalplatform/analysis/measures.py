"""Survey measures on valid responses: item distributions, satisfaction rates, α, adequacy, group tests."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from . import stats
from .contract import MULTIPLE, SINGLE, UNKNOWN, Question, satisfaction_items

NOT_ANSWERED = -1
OVERALL = "总体"


def level_matrix(valid: pd.DataFrame, items: Sequence[Question]) -> np.ndarray:
    """Satisfaction answers as an int matrix (respondents × items): level k..1, 0 no opinion, −1 not answered."""
    if not items:
        return np.empty((len(valid), 0), dtype=np.int8)
    block = valid[[q.code for q in items]]
    if all(dtype.kind in "fi" for dtype in block.dtypes):  # levels already numbers (the providers' frames)
        values = block.to_numpy(dtype=float)
    else:
        values = block.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(values), NOT_ANSWERED, values).astype(np.int8)


@dataclass
class ItemDistribution:
    question: Question
    rows: list[tuple[str, int, float | None]]  # (label, count, share) — share of answers that count
    answered: int
    unanswered: int
    note: str = ""


def satisfaction_distribution(question: Question, column: np.ndarray) -> ItemDistribution:
    """Counts per level, best first, then the no-opinion answers: shares are of rated answers, so 不了解 is
    shown with its count but no share."""
    counts = np.bincount(column[column >= 0], minlength=question.k + 1)
    rated = int(counts[1:].sum())
    rows = [
        (question.level(level)[0], int(counts[level]), counts[level] / rated if rated else None)
        for level in range(question.k, 0, -1)
    ]
    rows.append((question.no_opinion_label, int(counts[UNKNOWN]), None))
    answered = rated + int(counts[UNKNOWN])
    note = f"“{question.no_opinion_label}” {int(counts[UNKNOWN])} 份不计入满意度" if counts[UNKNOWN] else ""
    return ItemDistribution(question, rows, answered, len(column) - answered, note)


def choice_distribution(question: Question, series: pd.Series) -> ItemDistribution:
    """Single choice: share of those who answered; multiple choice: share of respondents who ticked each."""
    if question.type == MULTIPLE:
        answered = series.map(lambda v: isinstance(v, (list, tuple, set)) and len(v) > 0)
        counts = series[answered].explode().value_counts()
    else:  # answered: not missing and not blank, judged once per distinct answer (a handful of codes)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        kept = np.array([str(u).strip() != "" for u in uniques] + [False], dtype=bool)  # code −1 → the last
        answered = pd.Series(kept[codes], index=series.index)
        counts = series[answered].value_counts()
    n = int(answered.sum())
    known = [code for code, _label in question.choices]
    order = known + sorted((c for c in counts.index if c not in known), key=str)
    rows = [
        (question.choice_label(code), int(counts.get(code, 0)), counts.get(code, 0) / n if n else None)
        for code in order
    ]
    return ItemDistribution(question, rows, n, len(series) - n)


def distributions(valid: pd.DataFrame, questions: Sequence[Question], matrix: np.ndarray) -> list[ItemDistribution]:
    items = {q.code: i for i, q in enumerate(satisfaction_items(questions))}
    result = []
    for q in questions:
        if q.code in items:
            result.append(satisfaction_distribution(q, matrix[:, items[q.code]]))
        elif q.type in (SINGLE, MULTIPLE):
            result.append(choice_distribution(q, valid[q.code]))
    return result


@dataclass
class SatisfactionRow:
    scope: str  # "item" | "dimension" | "overall"
    code: str
    label: str
    respondents: int  # respondents with at least one rated answer in scope
    answers: int  # rated answers (no-opinion answers and blanks excluded)
    unknown: int  # no-opinion answers (不了解/不清楚/不适用…): reported, not in the denominator
    satisfied: int  # answers at a satisfied level (非常满意 + 满意 on the standard scale)
    rate: stats.Interval  # satisfied share of rated answers, Wilson interval
    score: stats.Interval  # weighted score (100/80/60/40/20 on the standard scale), t interval


def scale_tables(items: Sequence[Question]) -> tuple[np.ndarray, np.ndarray]:
    """(satisfied, score) lookups, items × levels 0..k: whether a level counts as satisfied, and its score."""
    width = max((q.k for q in items), default=5) + 1
    satisfied = np.zeros((len(items), width), dtype=bool)
    scores = np.zeros((len(items), width), dtype=float)
    for index, q in enumerate(items):
        for level in range(1, q.k + 1):
            _label, scores[index, level], satisfied[index, level] = q.level(level)
    return satisfied, scores


def satisfaction_row(
    scope: str, code: str, label: str, block: np.ndarray, confidence: float, items: Sequence[Question]
) -> SatisfactionRow:
    """One row over a block of items (respondents × the given items, each on its own scale)."""
    return _row(scope, code, label, answer_cells(items, block), confidence, items)


class AnswerCells(NamedTuple):
    """Per answer (respondents × items): rated (a level 1…k), at a satisfied level, its score (0 unless rated);
    and per item the number of no-opinion answers. Computed once for a table's items; a row takes columns."""

    rated: np.ndarray
    top: np.ndarray
    points: np.ndarray
    unknown: np.ndarray

    def columns(self, columns: list[int] | slice) -> AnswerCells:
        return AnswerCells(*(a[:, columns] for a in self[:3]), self.unknown[columns])

    def per_respondent(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rated answers, satisfied answers and points of each respondent (row sums; one item: its column)."""
        if self.rated.shape[1] == 1:
            return self.rated[:, 0].astype(np.int64), self.top[:, 0].astype(np.int64), self.points[:, 0]
        return self.rated.sum(axis=1), self.top.sum(axis=1), self.points.sum(axis=1)


def answer_cells(items: Sequence[Question], block: np.ndarray) -> AnswerCells:
    satisfied, scores = scale_tables(items)
    rated = block >= 1
    levels = np.clip(block, 0, None).astype(np.int64)
    columns = np.arange(block.shape[1])[None, :]
    return AnswerCells(
        rated,
        rated & satisfied[columns, levels],
        np.where(rated, scores[columns, levels], 0.0),
        (block == UNKNOWN).sum(axis=0),
    )


def _row(
    scope: str, code: str, label: str, cells: AnswerCells, confidence: float, items: Sequence[Question]
) -> SatisfactionRow:
    counts, top, points = cells.per_respondent()
    floor = min((q.level(1)[1] for q in items), default=0.0)
    return SatisfactionRow(
        scope,
        code,
        label,
        int((counts > 0).sum()),
        int(counts.sum()),
        int(cells.unknown.sum()),
        int(top.sum()),
        stats.wilson_clustered(top, counts, confidence),
        stats.mean_interval(points, counts, confidence, bounds=(min(floor, 100.0), 100.0)),
    )


def dimensions(items: Sequence[Question]) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for index, q in enumerate(items):
        if q.dimension:
            result.setdefault(q.dimension, []).append(index)
    return result


def satisfaction_table(
    items: Sequence[Question], matrix: np.ndarray, confidence: float = 0.95
) -> list[SatisfactionRow]:
    """Per item, per dimension and overall. Pooled rates count every rated answer; their interval uses
    respondent clusters (see stats.wilson_clustered), since one person's answers are not independent."""
    cells = answer_cells(items, matrix)  # once for all rows: each row sums its columns of the same cells
    rows = [_row("item", q.code, q.label, cells.columns(slice(i, i + 1)), confidence, [q]) for i, q in enumerate(items)]
    for name, columns in dimensions(items).items():
        rows.append(_row("dimension", name, name, cells.columns(columns), confidence, [items[c] for c in columns]))
    if items:
        rows.append(_row("overall", OVERALL, OVERALL, cells, confidence, items))
    return rows


@dataclass
class ScaleReliability:
    name: str
    codes: list[str]
    labels: list[str]
    result: stats.Reliability
    excluded: int  # respondents left out for a blank or 不了解 on some item of the scale


def reliability_table(items: Sequence[Question], matrix: np.ndarray) -> list[ScaleReliability]:
    """α per dimension with ≥ 2 items, and over all satisfaction items; listwise on fully rated rows."""
    scales = [(name, cols) for name, cols in dimensions(items).items() if len(cols) >= 2]
    if len(items) >= 2 and [c for _n, c in scales] != [list(range(len(items)))]:
        scales.append((OVERALL, list(range(len(items)))))
    result = []
    for name, columns in scales:
        block = matrix[:, columns]
        complete = (block >= 1).all(axis=1)
        codes = [items[c].code for c in columns]
        result.append(
            ScaleReliability(
                name,
                codes,
                [items[c].label for c in columns],
                stats.reliability(block[complete].astype(float), codes),
                int((~complete).sum()),
            )
        )
    return result


@dataclass
class AdequacyRow:
    stratum: str
    population: int | None
    required_valid: int
    required_issued: int  # required_valid / expected valid rate
    achieved_valid: int
    achieved_total: int
    adequate: bool
    margin: float | None  # margin of error achieved with the valid count


@dataclass(frozen=True)
class AdequacySettings:
    confidence: float = 0.95
    margin: float = 0.05
    proportion: float = 0.5
    expected_valid_rate: float = 1.0
    populations: Mapping[str, int] = field(default_factory=dict)  # stratum → population size N
    total_population: int | None = None  # default: sum of populations if they cover every stratum


def adequacy_table(frame: pd.DataFrame, settings: AdequacySettings) -> list[AdequacyRow]:
    """Per stratum (those with a population or with responses) and overall."""
    strata = frame["stratum"].fillna("（未分层）")
    valid = frame["valid"].astype(bool)
    codes, present = pd.factorize(strata)  # one pass: responses and valid ones counted per stratum code
    index = {name: i for i, name in enumerate(present)}
    totals = np.bincount(codes, minlength=len(present))
    valids = np.bincount(codes[valid.to_numpy()], minlength=len(present))
    names = list(settings.populations) + sorted(set(present) - set(settings.populations))
    rows = [
        _adequacy_row(
            name,
            settings.populations.get(name),
            int(valids[index[name]]) if name in index else 0,
            int(totals[index[name]]) if name in index else 0,
            settings,
        )
        for name in names
    ]
    # The strata's populations add up to the whole only when every stratum that answered has one.
    covered = set(present) <= set(settings.populations)
    total = settings.total_population or ((sum(settings.populations.values()) or None) if covered else None)
    rows.append(_adequacy_row(OVERALL, total, int(valid.sum()), len(frame), settings))
    return rows


def _adequacy_row(name, population, valid, total, settings: AdequacySettings) -> AdequacyRow:
    required = stats.required_sample(
        population, confidence=settings.confidence, margin=settings.margin, proportion=settings.proportion
    )
    issued = math.ceil(required / settings.expected_valid_rate - 1e-9) if settings.expected_valid_rate > 0 else required
    return AdequacyRow(
        name,
        population,
        required,
        issued,
        valid,
        total,
        valid >= required,
        stats.achieved_margin(valid, population, confidence=settings.confidence, proportion=settings.proportion),
    )
