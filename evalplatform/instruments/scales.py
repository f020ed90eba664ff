"""Satisfaction scales read from a choice list, not from the question's wording.

A list is a satisfaction scale when it says so (a `scale` column in the XLSForm choices sheet: a score per
option, or a no-opinion marker) or when its labels are the standard five- or four-point Chinese or English
satisfaction labels, optionally with "no opinion" options (不了解/不清楚/不适用/Don't know…). Scores are
normalised to 100 for the best option (five points: 100/80/60/40/20, four points: 100/75/50/25); an option
counts as satisfied when its score is above the middle of the scale (the top two of five or four). No-opinion
options are kept, counted and reported, and left out of the satisfaction rate's denominator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .schema import SATISFACTION_CHOICES

# Level 5 best … 1 worst; a label is matched after removing spaces, numbering and bracketed notes.
LEVEL_WORDS = {
    5: (
        "非常满意",
        "很满意",
        "十分满意",
        "特别满意",
        "非常满足",
        "verysatisfied",
        "extremelysatisfied",
        "completelysatisfied",
        "highlysatisfied",
    ),
    4: (
        "满意",
        "比较满意",
        "较满意",
        "还算满意",
        "satisfied",
        "somewhatsatisfied",
        "fairlysatisfied",
        "mostlysatisfied",
    ),
    3: (
        "一般",
        "基本满意",
        "中立",
        "说不上满意不满意",
        "无所谓满意不满意",
        "neutral",
        "neithersatisfiednordissatisfied",
        "neithersatisfiedordissatisfied",
        "average",
        "okay",
    ),
    2: (
        "不满意",
        "不太满意",
        "较不满意",
        "比较不满意",
        "dissatisfied",
        "unsatisfied",
        "somewhatdissatisfied",
        "notsatisfied",
        "fairlydissatisfied",
    ),
    1: (
        "非常不满意",
        "很不满意",
        "十分不满意",
        "特别不满意",
        "极不满意",
        "verydissatisfied",
        "veryunsatisfied",
        "extremelydissatisfied",
        "completelydissatisfied",
        "highlydissatisfied",
    ),
}
NO_OPINION_WORDS = (
    "不了解",
    "不清楚",
    "不适用",
    "说不清",
    "说不清楚",
    "不知道",
    "无法评价",
    "无法回答",
    "不好说",
    "没有接触",
    "未接触",
    "dontknow",
    "donotknow",
    "notapplicable",
    "na",
    "noopinion",
    "notsure",
    "cannotsay",
    "cantsay",
    "unknown",
    "refused",
    "prefernottosay",
)
NO_OPINION_MARKS = {"no_opinion", "noopinion", "na", "n/a", "dk", "excluded", "exclude", "不了解", "不适用", "不清楚"}
NOT_A_SCALE_MARKS = {"none", "no", "false", "否"}
_LEVEL_OF = {word: level for level, words in LEVEL_WORDS.items() for word in words}
_NOISE = re.compile(r"[\s\u3000'’`_\-–—.,，、。:：;；!！?？/]+|[（(【\[].*?[)）】\]]")
_NUMBERING = re.compile(r"^(?:[0-9]+|[A-Ea-e])(?=[^A-Za-z])")


class ScaleError(ValueError):
    pass


@dataclass(frozen=True)
class Scale:
    """Rated options best first as (code, label, score out of 100, satisfied), and no-opinion options."""

    rated: tuple[tuple[str, str, float, bool], ...]
    no_opinion: tuple[tuple[str, str], ...]

    @property
    def no_opinion_codes(self) -> frozenset[str]:
        return frozenset(code for code, _label in self.no_opinion)


def _key(label: str) -> str:
    text = _NOISE.sub("", _NUMBERING.sub("", str(label).strip().lower()))
    return text.replace("don't", "dont").replace("can't", "cant")


def detect(labels: list[str]) -> tuple[list[float | None], list[bool]] | None:
    """Scores (None for no-opinion options) and no-opinion flags for a standard 5- or 4-point satisfaction
    list given in either order, or None when the labels are something else."""
    levels = []
    for label in labels:
        key = _key(label)
        if key in NO_OPINION_WORDS:
            levels.append(0)
        elif key in _LEVEL_OF:
            levels.append(_LEVEL_OF[key])
        else:
            return None
    rated = [level for level in levels if level]
    if sorted(rated, reverse=True) not in ([5, 4, 3, 2, 1], [5, 4, 2, 1]):
        return None
    if rated not in (sorted(rated), sorted(rated, reverse=True)):
        return None  # options out of order: not a scale someone wrote on purpose
    if rated == [5, 4, 2, 1] or rated == [1, 2, 4, 5]:
        points = {5: 100, 4: 75, 2: 50, 1: 25}
    else:
        points = {5: 100, 4: 80, 3: 60, 2: 40, 1: 20}
    return [points[level] if level else None for level in levels], [level == 0 for level in levels]


def from_marks(marks: list[str]) -> tuple[list[float | None], list[bool]] | None:
    """The `scale` column of a list: a number per scored option, else a no-opinion option. Returns
    None when the column says nothing (or says 'none'); raises ScaleError on anything else."""
    cleaned = [str(m or "").strip() for m in marks]
    if not any(cleaned) or any(m.lower() in NOT_A_SCALE_MARKS for m in cleaned):
        return None
    scores, no_opinion = [], []
    for mark in cleaned:
        if not mark or mark.lower() in NO_OPINION_MARKS:  # a blank beside scored options: not rated
            scores.append(None)
            no_opinion.append(True)
            continue
        try:
            scores.append(float(mark) if "." in mark else int(mark))
        except ValueError:
            raise ScaleError(f"scale 列的值“{mark}”不是分值，也不是不了解标记（no_opinion）") from None
        no_opinion.append(False)
    if len([s for s in scores if s is not None]) < 2:
        raise ScaleError("满意度量表至少需要两个带分值的选项")
    return scores, no_opinion


def scale_of(question: dict) -> Scale | None:
    """The satisfaction scale a question answers on, or None (an ordinary choice question)."""
    if question["type"] == "satisfaction" or (question["type"] == "matrix" and not question.get("choices")):
        choices = SATISFACTION_CHOICES
    elif question.get("scale") == "satisfaction" and question["type"] in ("single_choice", "matrix"):
        choices = question.get("choices") or []
    else:
        return None
    scored = [c for c in choices if c.get("score") is not None and not c.get("no_opinion")]
    if len(scored) < 2:
        return None
    top = max(float(c["score"]) for c in scored)
    low = min(float(c["score"]) for c in scored)
    middle = (top + low) / 2
    rated = sorted(
        (
            (c["code"], c["label"], (float(c["score"]) / top * 100 if top > 0 else 0.0), float(c["score"]) > middle)
            for c in scored
        ),
        key=lambda r: -r[2],
    )
    no_opinion = tuple((c["code"], c["label"]) for c in choices if c.get("score") is None or c.get("no_opinion"))
    return Scale(tuple(rated), no_opinion)
