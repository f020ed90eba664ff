"""Subgroup comparisons: each satisfaction item across respondent groups (stratum, single-choice questions).

Two families, each Holm-corrected over all its tests: χ² of level × group (Cramér's V) and
Kruskal–Wallis on the ordered levels (ε²). 不了解 and blanks are left out of both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from . import stats
from .contract import SINGLE, Question

STRATUM = "stratum"


@dataclass
class Comparison:
    item: Question
    group_by: str  # "stratum" or a question code
    group_label: str
    groups: list[tuple[str, int, float | None]]  # (group, rated answers, satisfied share)
    chi_square: stats.GroupTest
    kruskal: stats.GroupTest


def grouping_columns(questions: Sequence[Question]) -> list[tuple[str, str]]:
    return [(STRATUM, "分层")] + [(q.code, q.label) for q in questions if q.type == SINGLE]


def compare_groups(
    valid: pd.DataFrame, items: Sequence[Question], matrix: np.ndarray, questions: Sequence[Question]
) -> list[Comparison]:
    result = []
    for column, label in grouping_columns(questions):
        names = _group_order(column, valid[column], questions)
        if len(names) < 2:
            continue
        codes = pd.Categorical(valid[column], categories=names).codes.astype(np.int64)
        labels = _group_labels(column, names, questions)
        for index, item in enumerate(items):
            table = _level_table(codes, matrix[:, index], len(names), item.k)
            satisfied = [level - 1 for level in range(1, item.k + 1) if item.level(level)[2]]
            groups = [
                (labels[g], int(table[g].sum()), table[g, satisfied].sum() / table[g].sum() if table[g].sum() else None)
                for g in range(len(names))
            ]
            result.append(
                Comparison(item, column, label, groups, stats.chi_square(table), stats.kruskal_wallis_table(table))
            )
    return _adjust(result)


def _level_table(group_codes: np.ndarray, levels: np.ndarray, n_groups: int, k: int = 5) -> np.ndarray:
    """Counts (groups × levels 1..k) of rated answers in rows that have a group."""
    keep = (group_codes >= 0) & (levels >= 1)
    flat = group_codes[keep] * k + (levels[keep].astype(np.int64) - 1)
    return np.bincount(flat, minlength=n_groups * k).reshape(n_groups, k)


def _group_order(column: str, values: pd.Series, questions: Sequence[Question]) -> list:
    """Groups present in the data: a question's choices in their order, then anything else sorted."""
    present = set(values.dropna().unique())
    question = next((q for q in questions if q.code == column), None)
    known = [code for code, _label in question.choices if code in present] if question else []
    return known + sorted(present - set(known), key=str)


def _group_labels(column: str, names, questions: Sequence[Question]) -> list[str]:
    question = next((q for q in questions if q.code == column), None)
    return [question.choice_label(n) if question else str(n) for n in names]


def _adjust(comparisons: list[Comparison]) -> list[Comparison]:
    chi = stats.holm([c.chi_square.p_value for c in comparisons])
    kw = stats.holm([c.kruskal.p_value for c in comparisons])
    for comparison, p_chi, p_kw in zip(comparisons, chi, kw):
        comparison.chi_square = replace(comparison.chi_square, p_adjusted=p_chi)
        comparison.kruskal = replace(comparison.kruskal, p_adjusted=p_kw)
    return comparisons
