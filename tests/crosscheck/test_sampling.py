"""抽样核查: reproducible samples, exact intervals whose coverage holds, projection to the declared list."""

from io import BytesIO

import numpy as np
import pytest
from sqlalchemy import select

from evalplatform.crosscheck import sampling, service
from evalplatform.crosscheck.models import CrossCheck
from evalplatform.evidence.store import BlobStore
from evalplatform.materials import service as materials
from tests import factories
from tests.materials import workbooks
from tests.materials.setting import Team


@pytest.fixture
def world(session, app):
    world = Team(session)
    world.list = materials.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="declared_list",
        stream=BytesIO(workbooks.xlsx(workbooks.beneficiary_workbook())),
        filename="农户.xlsx",
        max_bytes=10**7,
        name="受益农户清单",
        key_column="身份证号",
    )
    session.commit()
    return world


def keys(sample):
    return [i.declared_item.key for i in sample.items]


def test_the_same_seed_gives_the_same_sample(session, world):
    first = sampling.draw_sample(
        session, world.engagement, world.list, world.evaluator, factories.NOW, seed=20250918, size=30
    )
    again = sampling.draw_sample(
        session, world.engagement, world.list, world.evaluator, factories.NOW, seed=20250918, size=30
    )
    other = sampling.draw_sample(session, world.engagement, world.list, world.evaluator, factories.NOW, seed=7, size=30)
    assert keys(first) == keys(again) and keys(first) != keys(other)
    assert len(set(keys(first))) == 30 and first.seed == 20250918


def test_size_from_confidence_and_tolerable_error_with_finite_population_correction():
    assert sampling.sample_size(200, 0.95, 0.10) == 66  # n0 = 96.04 → 96.04 / (1 + 95.04/200)
    assert sampling.sample_size(100000, 0.95, 0.05) == 383
    assert sampling.sample_size(10, 0.95, 0.05) == 10


def test_stratified_samples_allocate_proportionally(session, world):
    sample = sampling.draw_sample(
        session, world.engagement, world.list, world.evaluator, factories.NOW, seed=1, size=30, stratum_column="乡镇"
    )
    strata = [i.stratum for i in sample.items]
    # 青石镇 has 134 of 200 households, 白沙乡 66: 20.1 and 9.9 of 30
    assert strata.count("青石镇") == 20 and strata.count("白沙乡") == 10
    assert all(i.declared_item.data["乡镇"] == i.stratum for i in sample.items)


def test_hypergeometric_interval_covers_the_true_rate_in_at_least_94_percent_of_1000_samples():
    population, defects, n = 2000, 150, 100
    truth = np.zeros(population, dtype=bool)
    truth[:defects] = True
    rng = np.random.default_rng(42)
    intervals = {}
    covered = 0
    for _ in range(1000):
        x = int(truth[rng.choice(population, size=n, replace=False)].sum())
        if x not in intervals:
            intervals[x] = sampling.exact_interval(x, n, 0.95, population)
        low, high, _method = intervals[x]
        covered += low <= defects / population <= high
    assert covered >= 940


def test_clopper_pearson_when_the_population_is_unknown():
    low, high, method = sampling.exact_interval(3, 50, 0.95)
    assert method == "clopper-pearson"
    assert round(low, 4) == 0.0125 and round(high, 4) == 0.1655


def test_recorded_results_give_a_rate_interval_and_a_list_size_cross_check(session, world):
    sample = sampling.draw_sample(
        session, world.engagement, world.list, world.evaluator, factories.NOW, seed=3, size=40
    )
    for item in sample.items[:2]:
        sampling.record_result(
            session, world.engagement, item, world.evaluator, factories.NOW, result="not_found", note="村委会无此户"
        )
    with pytest.raises(sampling.SamplingError):
        sampling.record_result(
            session, world.engagement, sample.items[2], world.evaluator, factories.NOW, result="differs"
        )
    for item in sample.items[2:]:
        sampling.record_result(session, world.engagement, item, world.evaluator, factories.NOW, result="verified")
    found = sampling.estimate(sample)
    assert (found.checked, found.exceptions, found.rate) == (40, 2, 0.05)
    assert found.low < 0.05 < found.high and found.projected == 10
    service.run_rules(session, world.engagement, world.evaluator, factories.NOW)
    check = session.scalar(select(CrossCheck).filter_by(rule="list_size"))
    assert (check.declared_value, check.verified_value) == (200, 190)
    assert check.outcome == "discrepancy"  # 10 of 200 is beyond the 2 % tolerance
    header, rows = sampling.worksheet_rows(sample)
    assert header[3:6] == ["序号", "乡镇", "行政村"] and rows[0][-2] == "未找到"
