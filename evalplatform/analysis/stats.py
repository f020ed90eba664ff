"""Statistics on plain numbers and arrays: intervals, reliability, sample size, group tests, corrections.

Every function returns None (or a result whose fields are None) where a statistic is undefined, and
says why in a ``note``; callers show that instead of a number. Nothing here knows about questionnaires.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps


@functools.lru_cache(maxsize=16)  # one value per confidence level, asked for by every interval
def z_value(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2))


@dataclass(frozen=True)
class Interval:
    estimate: float | None
    low: float | None
    high: float | None
    n: float
    note: str = ""


def wilson(successes: float, n: float, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3, no continuity correction).

    ``n`` may be an effective sample size (not an integer) when answers are clustered within respondents.
    """
    if n <= 0:
        return Interval(None, None, None, 0, "无有效回答")
    z = z_value(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


def clustered_ratio(sums: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """Ratio estimate Σy/Σm over respondents (clusters) and its variance by linearisation.

    ``sums[i]`` is respondent i's total (of 0/1 successes or of scores) over the ``counts[i]`` answers in scope.
    Answers of one respondent are correlated, so the variance comes from respondent-level residuals
    y_i − R·m_i (Cochran 1977, §6.11), without the n/(n−1) factor, so one answer each gives p(1−p)/n exactly.
    """
    mask = counts > 0
    sums, counts = sums[mask], counts[mask]
    n = len(counts)
    ratio = float(sums.sum() / counts.sum())
    mean_count = counts.mean()
    variance = float(np.sum((sums - ratio * counts) ** 2) / (n * n * mean_count * mean_count))
    return ratio, variance


def wilson_clustered(sums: np.ndarray, counts: np.ndarray, confidence: float = 0.95) -> Interval:
    """Top-two-box share over all answers in scope, Wilson interval on the effective sample size p(1−p)/Var.

    For one item (one answer per respondent) this is the plain Wilson interval on n answers.
    """
    answered = counts > 0
    respondents, answers = int(answered.sum()), int(counts.sum())
    if answers == 0:
        return Interval(None, None, None, 0, "无有效回答")
    p, variance = clustered_ratio(sums, counts)
    n_eff = min(answers, p * (1 - p) / variance) if variance > 0 else respondents
    result = wilson(p * n_eff, n_eff, confidence)
    return Interval(p, result.low, result.high, n_eff)


def mean_interval(
    sums: np.ndarray, counts: np.ndarray, confidence: float = 0.95, bounds: tuple[float, float] = (20.0, 100.0)
) -> Interval:
    """Mean weighted score with a t interval: mean ± t(n−1)·SE, SE from respondent clusters with the
    n/(n−1) small-sample factor (for one item: the textbook s/√n), clipped to the score range."""
    answered = counts > 0
    n = int(answered.sum())
    if n == 0:
        return Interval(None, None, None, 0, "无有效回答")
    mean, variance = clustered_ratio(sums, counts)
    if n < 2:
        return Interval(mean, None, None, n, "仅 1 份回答，无法估计区间")
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * math.sqrt(variance * n / (n - 1))
    return Interval(mean, max(bounds[0], mean - half), min(bounds[1], mean + half), n)


@dataclass(frozen=True)
class Reliability:
    alpha: float | None
    n: int
    k: int
    item_total: dict[str, float | None]  # corrected item-total correlation (item vs sum of the others)
    alpha_if_deleted: dict[str, float | None]
    note: str = ""


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """α = k/(k−1)·(1 − Σ s²ᵢ / s²_total) on complete rows (Cronbach 1951); None when undefined."""
    n, k = matrix.shape
    if k < 2 or n < 2:
        return None
    return _alpha_from_covariance(np.cov(matrix, rowvar=False))


def _alpha_from_covariance(covariance: np.ndarray) -> float | None:
    """The same α from the item covariance matrix: s²_total is the sum of all its entries."""
    k = covariance.shape[0]
    total_variance = covariance.sum()
    if k < 2 or total_variance <= 1e-12:
        return None
    return float(k / (k - 1) * (1 - np.trace(covariance) / total_variance))


def reliability(matrix: np.ndarray, codes: list[str]) -> Reliability:
    """Cronbach's α with corrected item-total correlations and α if each item were deleted.

    One pass over the data for the k×k covariance matrix; everything else is derived from it.
    """
    n, k = matrix.shape
    covariance = np.cov(matrix, rowvar=False).reshape(k, k) if n >= 2 and k >= 1 else np.zeros((k, k))
    alpha = _alpha_from_covariance(covariance) if n >= 2 else None
    note = ""
    if k < 2:
        note = "量表少于 2 题，α 无定义"
    elif n < 2:
        note = "完整作答少于 2 份，α 无定义"
    elif alpha is None:
        note = "所有回答完全相同（总分方差为 0），α 无定义"
    item_total, if_deleted = {}, {}
    for index, code in enumerate(codes):
        rest = [j for j in range(k) if j != index]
        item_variance = covariance[index, index]
        rest_variance = covariance[np.ix_(rest, rest)].sum()
        cross = covariance[index, rest].sum()
        defined = n >= 2 and item_variance > 1e-12 and rest_variance > 1e-12
        item_total[code] = float(cross / np.sqrt(item_variance * rest_variance)) if defined else None
        if_deleted[code] = _alpha_from_covariance(covariance[np.ix_(rest, rest)]) if k > 2 and n >= 2 else None
    return Reliability(alpha, n, k, item_total, if_deleted, note)


def required_sample(
    population: int | None = None, *, confidence: float = 0.95, margin: float = 0.05, proportion: float = 0.5
) -> int:
    """Valid responses needed: n₀ = z²p(1−p)/e², with finite-population correction n = n₀/(1+(n₀−1)/N).

    Rounded up (385 at 95 %/5 %/p=0.5; N=1,000 → 278). A population of None means "large".
    """
    z = z_value(confidence)
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    if population is None:
        return math.ceil(n0 - 1e-9)
    if population <= 0:
        return 0
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population) - 1e-9))


def achieved_margin(
    n: int, population: int | None = None, *, confidence: float = 0.95, proportion: float = 0.5
) -> float | None:
    """Margin of error the achieved valid count gives, with the same finite-population correction."""
    if n <= 0:
        return None
    fpc = 1.0
    if population:
        if n >= population:
            return 0.0
        fpc = (population - n) / (population - 1)
    return z_value(confidence) * math.sqrt(proportion * (1 - proportion) / n * fpc)


@dataclass(frozen=True)
class GroupTest:
    statistic: float | None
    dof: int | None
    p_value: float | None
    effect: float | None  # Cramér's V or ε²
    n: int
    groups: int
    note: str = ""
    p_adjusted: float | None = None


def chi_square(table: np.ndarray) -> GroupTest:
    """Pearson χ² test of independence (no continuity correction) with Cramér's V = √(χ²/(n·(min(r,c)−1))).

    Empty rows and columns are dropped first; the note warns when expected counts are small.
    """
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = int(table.sum())
    rows, cols = table.shape if table.ndim == 2 else (0, 0)
    if rows < 2 or cols < 2:
        return GroupTest(None, None, None, None, n, rows, "有回答的组或选项少于 2 个，无法检验")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    statistic = float(((table - expected) ** 2 / expected).sum())
    dof = (rows - 1) * (cols - 1)
    small = float((expected < 5).mean())
    note = f"{small:.0%} 的单元格期望频数 < 5，结果仅供参考" if small > 0.2 else ""
    return GroupTest(
        statistic,
        dof,
        float(sps.chi2.sf(statistic, dof)),
        math.sqrt(statistic / (n * (min(rows, cols) - 1))),
        n,
        rows,
        note,
    )


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm–Bonferroni step-down adjusted p-values (Holm 1979); None entries are left out of the family."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def kruskal_wallis_table(table: np.ndarray) -> GroupTest:
    """Kruskal–Wallis on ordinal answers given as counts (groups × ordered levels), with the tie correction.

    Same H as scipy.stats.kruskal on the expanded answers, in O(groups × levels): every answer at one level
    shares that level's mid-rank. ε² = H/((n²−1)/(n+1)) (Tomczak & Tomczak 2014).
    """
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0]
    n = int(table.sum())
    if table.shape[0] < 2:
        return GroupTest(None, None, None, None, n, table.shape[0], "有回答的组少于 2 个，无法检验")
    level_counts = table.sum(axis=0)
    if (level_counts > 0).sum() < 2:
        return GroupTest(None, None, None, None, n, table.shape[0], "所有回答相同，无法检验")
    midranks = np.cumsum(level_counts) - (level_counts - 1) / 2
    rank_sums = table @ midranks
    group_sizes = table.sum(axis=1)
    h = 12 / (n * (n + 1)) * float(np.sum(rank_sums**2 / group_sizes)) - 3 * (n + 1)
    h /= 1 - float(np.sum(level_counts**3 - level_counts)) / (n**3 - n)
    dof = table.shape[0] - 1
    return GroupTest(h, dof, float(sps.chi2.sf(h, dof)), h * (n + 1) / (n * n - 1), n, table.shape[0])
