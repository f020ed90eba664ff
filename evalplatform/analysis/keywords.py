"""Keyword frequency of open-text answers: jieba word segmentation, or character bigrams without it."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

# Function words and survey filler that say nothing about the content of a complaint or a wish.
STOPWORDS = frozenset(
    """
的 了 是 在 和 也 都 就 有 没有 很 太 还 又 及 与 或 但 但是 而且 并且 因为 所以 如果 我们 我 你 他 她 它 他们 这 那 这个
那个 这些 那些 一些 一个 什么 怎么 希望 建议 觉得 感觉 比较 非常 可以 能够 应该 需要 还是 不是 没 无 暂无 无意见 没有意见 好 问题
""".split()
)
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def _segmenter():
    try:
        import jieba  # optional, and its dictionary takes a second to load: only when keywords are asked for
    except ImportError:  # optional dependency missing: fall back to character bigrams
        return None
    jieba.setLogLevel(60)
    return jieba.lcut


def tokens(text: str, segment=None) -> list[str]:
    """Content words of one answer (≥ 2 characters, no stop words)."""
    runs = _WORD.findall(text or "")
    if segment is None:
        words = [run[i : i + 2] for run in runs for i in range(max(1, len(run) - 1))]
    else:
        words = [w for run in runs for w in segment(run)]
    return [w for w in words if len(w) >= 2 and w not in STOPWORDS and not w.isdigit()]


# Segmentation was a third of a 100,000-response analysis, and every view of the page did it again for the
# same answers (responses never change): each distinct answer is cut once per process, then remembered.
SEGMENTED_KEPT = 300_000
_segmented: dict[tuple[bool, str], frozenset[str]] = {}


def _words(answer: str, segment) -> frozenset[str]:
    key = (segment is not None, answer)
    found = _segmented.get(key)
    if found is None:
        found = frozenset(tokens(answer, segment))
        if len(_segmented) >= SEGMENTED_KEPT:
            _segmented.clear()
        _segmented[key] = found
    return found


def keyword_frequency(answers: Iterable[str], top: int = 30) -> tuple[list[tuple[str, int]], str]:
    """(word, number of answers mentioning it), most frequent first; and the method used, for the page."""
    segment = _segmenter()
    counter: Counter[str] = Counter()
    for answer, times in Counter(a.strip() for a in answers).items():  # 无、没有意见… recur: cut each once
        for word in _words(answer, segment):
            counter[word] += times
    method = "jieba 分词" if segment else "二字组合（未安装 jieba）"
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top], method
