"""Responses frames following the analysis contract, built from a few lines of test data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from evalplatform.analysis.contract import MULTIPLE, SATISFACTION5, SINGLE, TEXT, Question

START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
NOW = datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc)

QUESTIONS = [
    Question("q1", SATISFACTION5, "道路平整程度", dimension="道路质量"),
    Question("q2", SATISFACTION5, "路面排水情况", dimension="道路质量"),
    Question("q3", SATISFACTION5, "施工期间交通组织", dimension="建设管理"),
    Question("q4", SATISFACTION5, "对项目总体满意度"),
    Question("role", SINGLE, "您的身份", choices=(("villager", "村民"), ("cadre", "村干部"))),
    Question(
        "uses", MULTIPLE, "您主要用道路做什么", choices=(("farm", "农业生产"), ("school", "上学"), ("shop", "购物"))
    ),
    Question("advice", TEXT, "您对项目还有什么建议"),
]


def frame(answers: list[dict], *, questions=QUESTIONS, start=START) -> pd.DataFrame:
    """One row per dict; meta columns default to a valid response in stratum 甲村 through distribution 1."""
    rows = []
    for index, answer in enumerate(answers):
        row = {
            "response_id": index + 1,
            "distribution_id": 1,
            "stratum": "甲村",
            "submitted_at": start + timedelta(hours=index),
            "valid": True,
            "invalid_reason": None,
        }
        row.update({q.code: None for q in questions})
        row.update(answer)
        rows.append(row)
    result = pd.DataFrame(
        rows,
        columns=["response_id", "distribution_id", "stratum", "submitted_at", "valid", "invalid_reason"]
        + [q.code for q in questions],
    )
    result["submitted_at"] = pd.to_datetime(result["submitted_at"], utc=True)
    result["valid"] = result["valid"].astype(bool)
    return result


PHRASES = (
    "希望增加路灯",
    "路面有裂缝需要维修",
    "排水沟经常堵塞",
    "施工期间噪音大",
    "道路很好出行方便",
    "建议加宽路面",
    "村口没有减速带",
    "公交站台太远",
    "养护不及时",
    "",
)


def generated(n: int, items: int = 30, seed: int = 7, text_share: float = 0.0) -> tuple[pd.DataFrame, list[Question]]:
    """n responses (5 % invalid) to `items` correlated satisfaction items in dimensions of 5, 8 strata, a role
    question, and an open question answered by `text_share` of respondents (three stock phrases and a number)."""
    rng = np.random.default_rng(seed)
    questions = [
        Question(f"s{i + 1:02d}", SATISFACTION5, f"满意度题{i + 1}", dimension=f"维度{i // 5 + 1}")
        for i in range(items)
    ]
    questions.append(Question("role", SINGLE, "身份", choices=(("a", "村民"), ("b", "村干部"), ("c", "商户"))))
    mood = rng.normal(0.9, 0.8, size=(n, 1))
    latent = mood + rng.normal(0, 0.7, size=(n, items))
    levels = np.clip(np.rint(3 + latent), 1, 5)
    levels[rng.random((n, items)) < 0.03] = 0  # 不了解
    levels[rng.random((n, items)) < 0.02] = np.nan  # skipped
    data = {
        "response_id": np.arange(1, n + 1),
        "distribution_id": rng.integers(1, 5, n),
        "stratum": rng.choice([f"村{i}" for i in range(8)], n),
        "submitted_at": pd.Timestamp(START) + pd.to_timedelta(rng.integers(0, 14 * 86400, n), unit="s"),
        "valid": rng.random(n) > 0.05,
    }
    data["invalid_reason"] = np.where(data["valid"], None, "作答过快")
    result = pd.DataFrame(data)
    for index, q in enumerate(questions[:items]):
        result[q.code] = levels[:, index]
    result["role"] = rng.choice(["a", "b", "c"], n)
    if text_share:
        questions.append(Question("advice", TEXT, "建议"))
        answered = rng.random(n) < text_share
        # three phrases and a group number: nearly every answer distinct, as free text mostly is
        parts = [rng.choice(PHRASES, n).astype(str) for _ in range(3)]
        numbers = np.char.add(np.char.add("，第", rng.integers(1, 10_000, n).astype(str)), "组")
        text = np.char.add(np.char.add(np.char.add(parts[0], parts[1]), parts[2]), numbers)
        result["advice"] = np.where(answered, text, None)
    return result, questions
