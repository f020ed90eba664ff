"""Survey analysis: the full analysis (analysis.service.analyse) of n responses × 30 satisfaction items.

Run: .venv/bin/python bench/analysis.py
The questionnaire tables (issue 4) do not exist on this branch yet, so the responses are generated in memory as
the DataFrame the analysis contract describes (evalplatform/analysis/contract.py), not loaded from the database:
30 correlated 5-level items in 6 dimensions (3 % 不了解, 2 % blank), 8 strata, 4 distributions, a single-choice
group question, 5 % invalid, and an open question answered by 10 % (jieba keywords). Timed: analyse() only,
median of 3 runs, after one warm-up that loads jieba's dictionary (once per process in the web app too);
the figures *_without_text_s leave out the open question (jieba segmentation, about 1 s per 10,000 answers).
"""
from __future__ import annotations

import json
import statistics
import time

from _support import ROOT  # noqa: F401  (puts the project on sys.path)

from evalplatform.analysis import analyse
from tests.analysis.data import NOW, generated

SIZES, ITEMS, RUNS = (1_000, 10_000, 100_000), 30, 3


def timed(n: int, with_texts: bool = True) -> tuple[float, int]:
    responses, questions = generated(n, items=ITEMS, text_share=0.1)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = analyse(responses, questions, NOW, with_texts=with_texts)
        times.append(time.perf_counter() - start)
    assert result.valid > 0.9 * n and len(result.satisfaction) == ITEMS + 6 + 1
    return statistics.median(times), result.valid


def main() -> None:
    analyse(*generated(200, items=ITEMS, text_share=0.5), NOW)   # warm-up: imports, jieba dictionary
    figures = {}
    print("source: responses generated in memory (questionnaire tables not yet on this branch)")
    print(f"{'responses':>10} {'valid':>8} {'seconds':>9} {'µs/response':>12} {'without text s':>15}")
    for n in SIZES:
        seconds, valid = timed(n)
        bare, _valid = timed(n, with_texts=False)
        figures[f"n_{n}_s"] = round(seconds, 3)
        figures[f"n_{n}_without_text_s"] = round(bare, 3)
        print(f"{n:>10,} {valid:>8,} {seconds:>9.3f} {seconds / n * 1e6:>12.1f} {bare:>15.3f}")
    figures["growth_10k_to_100k"] = round(figures["n_100000_s"] / figures["n_10000_s"], 2)
    figures["source"] = "generated in memory"
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
