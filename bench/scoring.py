"""Recomputing a 200-indicator tree after one changed value: median milliseconds.

Three figures: the pure engine (score the changed indicator + roll up the whole tree: `recompute_ms`),
the service call that stores the value with its audit event and rebuilds the summary, and the
workspace's JSON request end to end. SQLite always; PostgreSQL too when reachable
(EVALPLATFORM_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test).

Run: .venv/bin/python bench/scoring.py
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.orm import Session  # noqa: E402

from bench._support import private_postgres  # noqa: E402
from evalplatform import create_app  # noqa: E402
from evalplatform.indicators import engine, rollup, service  # noqa: E402
from evalplatform.scoring import service as scoring  # noqa: E402
from evalplatform.indicators.models import Indicator, IndicatorTree  # noqa: E402
from evalplatform.migrate import upgrade  # noqa: E402
from tests import factories  # noqa: E402

LEVEL1, LEVEL2_EACH, LEVEL3_EACH = 4, 4, 11  # 4 + 16 + 16 × 11 = 196, and 4 branches get a 12th leaf
ENGINE_RUNS, DB_RUNS = 1000, 60


def tree_shape() -> list[tuple[int, int | None, int, Decimal]]:
    """(key, parent, level, points) for 200 indicators whose weights add up to 100."""
    branches = LEVEL1 * LEVEL2_EACH
    leaves_per_branch = [
        LEVEL3_EACH + (1 if n < 200 - LEVEL1 - branches - LEVEL3_EACH * branches else 0) for n in range(branches)
    ]
    total_leaves = sum(leaves_per_branch)
    cents = [10000 // total_leaves] * total_leaves
    cents[-1] += 10000 - sum(cents)
    leaf_points = iter(Decimal(c) / 100 for c in cents)
    rows, branch = [], iter(leaves_per_branch)
    for _ in range(LEVEL1):
        l1 = len(rows)
        rows.append([l1, None, 1, Decimal(0)])
        for _ in range(LEVEL2_EACH):
            l2 = len(rows)
            rows.append([l2, l1, 2, Decimal(0)])
            for _ in range(next(branch)):
                points = next(leaf_points)
                rows.append([len(rows), l2, 3, points])
                rows[l2][3] += points
                rows[l1][3] += points
    assert len(rows) == 200, len(rows)
    return [tuple(r) for r in rows]


def bench_engine() -> float:
    shape = tree_shape()
    rules = {k: engine.Rule("ratio_higher_better", p, "ge", Decimal(100)) for k, _par, lvl, p in shape if lvl == 3}
    actuals = {k: Decimal(90) for k in rules}
    scores = {k: engine.score_indicator(rules[k], actuals[k]) for k in rules}
    changed = next(iter(rules))
    timings = []
    for run in range(ENGINE_RUNS):
        start = time.perf_counter()
        actuals[changed] = Decimal(80 + run % 20)
        scores[changed] = engine.score_indicator(rules[changed], actuals[changed])
        nodes = [engine.Node(k, parent, level, str(k), points, scores.get(k)) for k, parent, level, points in shape]
        result = engine.score_tree(nodes)
        timings.append((time.perf_counter() - start) * 1000)
    assert Decimal(0) <= result.total <= Decimal(100)
    return statistics.median(timings)


def build_tree(session, engagement) -> Indicator:
    tree = IndicatorTree(engagement_id=engagement.id, framework_code="bench", framework_name="bench")
    session.add(tree)
    session.flush()
    ids = {}
    for key, parent, level, points in tree_shape():
        indicator = Indicator(
            tree=tree,
            parent_id=ids.get(parent),
            level=level,
            position=key,
            name=f"指标{key}",
            points=points,
            operator="ge",
            method="ratio_higher_better",
            target_value=Decimal(100) if level == 3 else None,
            params={},
            inputs={},
            key_points=[],
            rationale="",
            explanation="",
            actual_value=Decimal(90) if level == 3 else None,
        )
        session.add(indicator)
        session.flush()
        ids[key] = indicator.id
    for indicator in tree.indicators:
        if indicator.level == 3:
            indicator.score = service.compute_score(indicator)
    session.commit()
    return next(i for i in tree.indicators if i.level == 3)


def bench_database(url: str) -> dict:
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "STORAGE_DIR": tempfile.mkdtemp()})
    engine_ = app.extensions["evalplatform.db"].engine
    with Session(engine_, expire_on_commit=False) as session:
        firm, bureau = factories.firm(session), factories.bureau(session)
        evaluator = factories.user(session, "evaluator", firm=firm)
        engagement = factories.engagement(session, evaluator, bureau)
        leaf = build_tree(session, engagement)
        service_ms = []
        for run in range(DB_RUNS):
            start = time.perf_counter()
            scoring.record_score(
                session, leaf, evaluator, factories.NOW, actual_value=Decimal(80 + run % 20), rationale="bench"
            )
            summary = rollup.scoring_summary(session, engagement)
            session.commit()
            service_ms.append((time.perf_counter() - start) * 1000)
        assert summary.total is not None
        engagement_id, leaf_id, username = engagement.id, leaf.id, evaluator.username
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": username, "password": factories.PASSWORD, "csrf_token": token})
    request_ms = []
    for run in range(DB_RUNS):
        start = time.perf_counter()
        response = client.post(
            f"/engagements/{engagement_id}/indicators/{leaf_id}/score",
            json={"actual_value": str(70 + run % 30), "rationale": "bench"},
            headers={"X-CSRFToken": token},
        )
        request_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    engine_.dispose()
    return {"service_ms": statistics.median(service_ms), "request_ms": statistics.median(request_ms)}


def main() -> None:
    figures = {"recompute_ms": round(bench_engine(), 3), "indicators": 200}
    with tempfile.TemporaryDirectory() as tmp:
        results = {"sqlite": bench_database(f"sqlite:///{tmp}/bench.db")}
    try:
        with private_postgres() as url:
            results["postgresql"] = bench_database(url)
    except Exception as error:  # noqa: BLE001 - the PostgreSQL figures are optional
        print(f"(PostgreSQL skipped: {type(error).__name__})")
    print(f"{'what':<44}{'median ms':>12}")
    print(f"{'engine: one change, 200-indicator roll-up':<44}{figures['recompute_ms']:>12.3f}")
    for backend, r in results.items():
        print(f"{backend + ': record_score + scoring_summary':<44}{r['service_ms']:>12.2f}")
        print(f"{backend + ': POST …/score (JSON, end to end)':<44}{r['request_ms']:>12.2f}")
        figures[f"{backend}_service_ms"] = round(r["service_ms"], 2)
        figures[f"{backend}_request_ms"] = round(r["request_ms"], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
