"""Survey analysis from the database: load n responses × 30 satisfaction items through the analysis provider
(analysis.sources → questionnaires.exports.responses_frame) and run the full analysis (analysis.service.analyse).

Run: .venv/bin/python bench/analysis.py   (needs PostgreSQL; EVALPLATFORM_BENCH_POSTGRES_URL, see _support.py)

A private PostgreSQL database gets one engagement with a questionnaire of 6 satisfaction matrices × 5 items
(30 items, 6 dimensions), a single-choice group question and an open question answered by 10 %, 8 strata with
one distribution each; the responses are generated (tests/analysis/data.py: correlated levels, 3 % 不了解,
2 % blank, 5 % invalid with a reason) and inserted in bulk with COPY (not timed), each with its flat copy (questionnaires.flat, as the intake writes it). Timed, median of 3 runs after
one warm-up (imports, jieba's dictionary): `load_s` = the provider (query, JSON answers → contract frame),
`n_<n>_s` = load + analyse(); the *_without_text_s figures leave out the open question (jieba segmentation).
`copy_floor_<n>_s` = the time PostgreSQL takes to stream the same rows' answers to this process,
`COPY (SELECT answers FROM response WHERE instrument_id = …) TO STDOUT`, read to the end and nothing else
done with them: the floor of any load; `load_vs_floor` = load_s / copy_floor_s at 100,000.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone

from _support import ROOT, private_postgres  # noqa: F401  (ROOT puts the project on sys.path)

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from evalplatform.accounts import service as accounts
from evalplatform.analysis import analyse
from evalplatform.analysis.sources import questionnaire_surveys
from evalplatform.engagements import commissions
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import EngagementKind
from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service as questionnaires
from evalplatform.questionnaires.flat import flat_answers
from tests.analysis.data import NOW, generated

SIZES, ITEMS, DIMENSIONS, RUNS = (1_000, 10_000, 100_000), 30, 6, 3
PER_DIMENSION = ITEMS // DIMENSIONS
STRATA = [f"村{i}" for i in range(8)]
CODES = {1.0: "1", 2.0: "2", 3.0: "3", 4.0: "4", 5.0: "5", 0.0: "dk"}


def definition() -> dict:
    matrices = [
        {
            "code": f"d{d + 1}",
            "type": "matrix",
            "label": f"维度{d + 1}",
            "items": [
                {"code": f"s{d * PER_DIMENSION + i + 1:02d}", "label": f"满意度题{d * PER_DIMENSION + i + 1}"}
                for i in range(PER_DIMENSION)
            ],
        }
        for d in range(DIMENSIONS)
    ]
    return {
        "title": "基准问卷",
        "kind": "questionnaire",
        "sections": [
            {
                "code": "profile",
                "title": "基本情况",
                "questions": [
                    {
                        "code": "role",
                        "type": "single_choice",
                        "label": "身份",
                        "choices": [
                            {"code": "a", "label": "村民"},
                            {"code": "b", "label": "村干部"},
                            {"code": "c", "label": "商户"},
                        ],
                    }
                ],
            },
            {"code": "sat", "title": "满意度", "questions": matrices},
            {"code": "end", "title": "建议", "questions": [{"code": "advice", "type": "text", "label": "建议"}]},
        ],
    }


def setup(url: str, n: int):
    """An engagement with the questionnaire and n responses COPYed in; returns (engine, engagement id)."""
    engine = create_engine(url)
    now = datetime.now(timezone.utc)
    with Session(engine, expire_on_commit=False) as session:
        firm = accounts.get_or_create_firm(session, "基准事务所")
        bureau = accounts.get_or_create_bureau(session, "基准财政局")
        actor = accounts.create_user(session, username="bench", password="bench-pass-2026", role="evaluator", firm=firm)
        engagement = engagements.create_engagement(
            session,
            engagements.EngagementFields(
                title="基准项目",
                evaluated_unit_name="某单位",
                kind=EngagementKind.project,
                fiscal_year=2025,
                budget_amount=1,
                commission_id=commissions.commission_firm(session, bureau, firm.name, "基准项目", 2025, None, now).id,
            ),
            actor,
            now,
        )
        instrument = instruments.create_instrument(session, engagement, actor, now, definition())
        channels = [
            questionnaires.create_distribution(
                session, instrument, actor, now, questionnaires.DistributionFields(name=f"{s}链接", stratum=s)
            )
            for s in STRATA
        ]
        session.commit()
        ids = (engagement.id, instrument.id, instrument.latest.id, [c.id for c in channels])
        stored = instrument.latest.definition
    copy_responses(engine, n, *ids[1:], stored)
    return engine, ids[0], ids[1]


def copy_responses(engine, n: int, instrument_id: int, version_id: int, channel_ids: list[int], stored: dict) -> None:
    """n generated responses, stored as the intake stores them (answers and their flat copy, flat_answers of
    the version's stored definition); not sealed."""
    frame, _questions = generated(n, items=ITEMS, text_share=0.1)
    levels = frame[[f"s{i + 1:02d}" for i in range(ITEMS)]].to_numpy()
    strata = frame["stratum"].map({s: i for i, s in enumerate(STRATA)}).to_numpy()
    durations = np.random.default_rng(3).normal(300, 90, n).clip(20).astype(int)
    with engine.raw_connection() as raw:
        cursor = raw.cursor()
        columns = (
            "instrument_id, distribution_id, version_id, client_uuid, answers, payload_sha256, duration_s, "
            "submitted_at, quality_flags, invalid_reason, content_mac, answers_flat"
        )
        with cursor.copy(f"COPY response ({columns}) FROM STDIN") as copy:
            for row, (level_row, stratum, role, advice, submitted, reason, duration) in enumerate(
                zip(
                    levels,
                    strata,
                    frame["role"],
                    frame["advice"],
                    frame["submitted_at"],
                    frame["invalid_reason"],
                    durations,
                )
            ):
                answers = {"role": role}
                for d in range(DIMENSIONS):
                    cells = {
                        f"s{d * PER_DIMENSION + i + 1:02d}": CODES[v]
                        for i, v in enumerate(level_row[d * PER_DIMENSION : (d + 1) * PER_DIMENSION])
                        if v == v
                    }
                    if cells:
                        answers[f"d{d + 1}"] = cells
                if isinstance(advice, str) and advice:
                    answers["advice"] = advice
                copy.write_row(
                    (
                        instrument_id,
                        channel_ids[stratum],
                        version_id,
                        uuid.UUID(int=row + 1),
                        json.dumps(answers, ensure_ascii=False),
                        "0" * 64,
                        int(duration),
                        submitted.to_pydatetime(),
                        "[]",
                        reason if isinstance(reason, str) else None,
                        "0" * 64,
                        flat_answers(stored, answers),
                    )
                )  # not sealed: a benchmark of the analysis, never verified
        raw.commit()


def copy_floor(engine, instrument_id: int) -> float:
    """Median seconds of COPY (SELECT answers …) TO STDOUT, every block read and dropped."""
    times = []
    for _ in range(RUNS):
        with engine.raw_connection() as raw:
            cursor = raw.cursor()
            start = time.perf_counter()
            with cursor.copy(
                f"COPY (SELECT answers FROM response WHERE instrument_id = {int(instrument_id)}) TO STDOUT"
            ) as copy:
                for _block in copy:
                    pass
            times.append(time.perf_counter() - start)
            raw.rollback()
    return statistics.median(times)


def timed(engine, engagement_id: int, with_texts: bool = True) -> tuple[float, float, int]:
    from evalplatform.engagements.models import Engagement

    loads, totals = [], []
    for _ in range(RUNS):
        with Session(engine) as session:
            engagement = session.get(Engagement, engagement_id)
            start = time.perf_counter()
            [survey] = questionnaire_surveys(session, engagement)
            loaded = time.perf_counter()
            result = analyse(survey.frame, survey.questions, NOW, with_texts=with_texts, adequacy=survey.adequacy)
            totals.append(time.perf_counter() - start)
            loads.append(loaded - start)
    assert len(result.satisfaction) == ITEMS + DIMENSIONS + 1, len(result.satisfaction)
    return statistics.median(totals), statistics.median(loads), result.valid


def main() -> None:
    analyse(*generated(200, items=ITEMS, text_share=0.5), NOW)  # warm-up: imports, jieba dictionary
    figures = {}
    print("source: PostgreSQL (private database), loaded through analysis.sources.questionnaire_surveys")
    print(
        f"{'responses':>10} {'valid':>8} {'load s':>8} {'total s':>9} {'µs/response':>12} {'without text s':>15}"
        f" {'COPY floor s':>13}"
    )
    for n in SIZES:
        with private_postgres() as url:
            engine, engagement_id, instrument_id = setup(url, n)
            timed(engine, engagement_id)  # warm-up on this database
            seconds, load, valid = timed(engine, engagement_id)
            floor = copy_floor(engine, instrument_id)
            bare, _load, _valid = timed(engine, engagement_id, with_texts=False)
            engine.dispose()
        assert valid > 0.9 * n, valid
        figures[f"n_{n}_s"] = round(seconds, 3)
        figures[f"n_{n}_load_s"] = round(load, 3)
        figures[f"n_{n}_without_text_s"] = round(bare, 3)
        figures[f"copy_floor_{n}_s"] = round(floor, 3)
        print(
            f"{n:>10,} {valid:>8,} {load:>8.3f} {seconds:>9.3f} {seconds / n * 1e6:>12.1f} {bare:>15.3f}"
            f" {floor:>13.3f}",
            flush=True,
        )
    figures["copy_floor_100k_s"] = figures.pop("copy_floor_100000_s")
    figures["load_vs_floor"] = round(figures["n_100000_load_s"] / figures["copy_floor_100k_s"], 2)
    figures["growth_10k_to_100k"] = round(figures["n_100000_s"] / figures["n_10000_s"], 2)
    figures["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    figures["source"] = "postgresql via analysis provider"
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
