"""抽样核查: reproducible samples of a declared list, field results per item, exact interval estimates."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..accounts.models import User
from ..engagements.models import Engagement
from ..engagements.service import EngagementNotFound, ensure_can_edit, load_owned
from ..evidence.models import Evidence
from ..materials import service as materials
from ..materials.models import MaterialImport
from .checks import save_check
from .models import SAMPLE_RESULTS, CrossCheck, SampleItem, VerificationSample

RESULT_LABELS = {"pending": "待核查", "verified": "核实无误", "not_found": "未找到", "differs": "与申报不符"}


class SamplingError(Exception):
    """Refused input; the message is for the evaluator (Chinese)."""


def sample_size(population: int, confidence: float, tolerable_error: float, expected_rate: float = 0.5) -> int:
    """n = z²p(1−p)/E², corrected for a finite population, never more than the population."""
    if population <= 0:
        return 0
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    n0 = z * z * expected_rate * (1 - expected_rate) / (tolerable_error * tolerable_error)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def draw_positions(population: int, size: int, seed: int, strata: list[str] | None = None) -> list[int]:
    """Indices into the population; the same seed (and strata) always gives the same sample."""
    rng = np.random.default_rng(seed)
    if not strata:
        return [int(i) for i in rng.choice(population, size=size, replace=False)]
    groups: dict[str, list[int]] = {}
    for index, stratum in enumerate(strata):
        groups.setdefault(stratum, []).append(index)
    chosen = []
    for stratum, take in _allocate({k: len(v) for k, v in groups.items()}, size).items():
        chosen += [groups[stratum][int(i)] for i in rng.choice(len(groups[stratum]), size=take, replace=False)]
    return chosen


def _allocate(counts: dict[str, int], size: int) -> dict[str, int]:
    """Proportional allocation, largest remainders first; strata in sorted order for reproducibility."""
    total = sum(counts.values())
    exact = {k: size * n / total for k, n in sorted(counts.items())}
    taken = {k: min(counts[k], math.floor(v)) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (taken[k] - exact[k], k)):
        if sum(taken.values()) >= size:
            break
        if taken[k] < counts[k]:
            taken[k] += 1
    return taken


def draw_sample(
    session: Session,
    engagement: Engagement,
    material: MaterialImport,
    actor: User,
    now: datetime,
    *,
    confidence: float = 0.95,
    tolerable_error: float = 0.05,
    expected_rate: float = 0.5,
    size: int | None = None,
    seed: int | None = None,
    stratum_column: str | None = None,
) -> VerificationSample:
    ensure_can_edit(engagement, actor)
    if material.engagement_id != engagement.id or material.kind != "declared_list":
        raise SamplingError("只能从本项目的申报清单中抽样")
    if not (0.5 <= confidence < 1) or not (0 < tolerable_error < 1) or not (0 < expected_rate < 1):
        raise SamplingError("置信水平应在 50%–99.9% 之间，可容忍误差与预期差错率应在 0–100% 之间")
    items = materials.declared_items(session, material)
    size = size or sample_size(len(items), confidence, tolerable_error, expected_rate)
    if not 1 <= size <= len(items):
        raise SamplingError(f"样本量应在 1 到 {len(items)} 之间")
    strata = [str(i.data.get(stratum_column) or "（空）") for i in items] if stratum_column else None
    if stratum_column and not any(stratum_column in i.data for i in items):
        raise SamplingError(f"清单中没有分层列“{stratum_column}”")
    seed = seed if seed is not None else secrets.randbelow(2**31)
    sample = VerificationSample(
        engagement_id=engagement.id,
        import_id=material.id,
        seed=seed,
        method="stratified" if strata else "simple",
        stratum_column=stratum_column,
        confidence=Decimal(str(confidence)),
        tolerable_error=Decimal(str(tolerable_error)),
        expected_rate=Decimal(str(expected_rate)),
        population_size=len(items),
        size=size,
        created_by_id=actor.id,
        created_at=now,
    )
    for position, index in enumerate(draw_positions(len(items), size, seed, strata), start=1):
        sample.items.append(
            SampleItem(
                declared_item_id=items[index].id, position=position, stratum=strata[index][:200] if strata else None
            )
        )
    session.add(sample)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sample.draw",
        obj=sample,
        engagement_id=engagement.id,
        now=now,
        details={"name": material.name, "count": size, "result": f"seed={seed}"},
    )
    return sample


def record_result(
    session: Session,
    engagement: Engagement,
    item: SampleItem,
    actor: User,
    now: datetime,
    *,
    result: str,
    note: str | None = None,
    evidence: Evidence | None = None,
) -> SampleItem:
    ensure_can_edit(engagement, actor)
    if result not in SAMPLE_RESULTS or result == "pending":
        raise SamplingError("核查结果应为 核实无误、未找到 或 与申报不符")
    if result != "verified" and not (note or "").strip() and evidence is None:
        raise SamplingError("未找到或与申报不符时，请写明情况或附上证据")
    if evidence is not None and evidence.engagement_id != engagement.id:
        raise SamplingError("证据不属于本项目")
    before = item.result
    item.result, item.note = result, (note or "").strip() or None
    item.evidence_id = evidence.id if evidence is not None else item.evidence_id
    item.recorded_by_id, item.recorded_at = actor.id, now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sample.record",
        obj=item,
        engagement_id=engagement.id,
        now=now,
        details={"before": before, "after": result},
    )
    return item


@dataclass(frozen=True)
class Estimate:
    population: int
    checked: int
    exceptions: int  # not found + differs
    pending: int
    confidence: float
    rate: float | None
    low: float | None
    high: float | None
    method: str

    @property
    def projected(self) -> float | None:
        """Projected misstatement: items of the declared list expected not to hold up."""
        return None if self.rate is None else self.rate * self.population

    @property
    def projected_range(self) -> tuple[float, float] | None:
        return None if self.low is None else (self.low * self.population, self.high * self.population)


def exact_interval(
    exceptions: int, n: int, confidence: float, population: int | None = None
) -> tuple[float, float, str]:
    """Hypergeometric (exact without replacement) when the population is known, else Clopper–Pearson."""
    alpha = 1 - confidence
    if population:
        defects = np.arange(population + 1)
        upper_tail = stats.hypergeom.sf(exceptions - 1, population, defects, n)  # P(X ≥ x | K)
        lower_tail = stats.hypergeom.cdf(exceptions, population, defects, n)  # P(X ≤ x | K)
        low = defects[upper_tail > alpha / 2].min()
        high = defects[lower_tail > alpha / 2].max()
        return low / population, high / population, "hypergeometric"
    low = 0.0 if exceptions == 0 else stats.beta.ppf(alpha / 2, exceptions, n - exceptions + 1)
    high = 1.0 if exceptions == n else stats.beta.ppf(1 - alpha / 2, exceptions + 1, n - exceptions)
    return float(low), float(high), "clopper-pearson"


def estimate(sample: VerificationSample) -> Estimate:
    done = [i for i in sample.items if i.result != "pending"]
    exceptions = sum(1 for i in done if i.result in ("not_found", "differs"))
    confidence = float(sample.confidence)
    if not done:
        return Estimate(sample.population_size, 0, 0, len(sample.items), confidence, None, None, None, "")
    low, high, method = exact_interval(exceptions, len(done), confidence, sample.population_size)
    return Estimate(
        sample.population_size,
        len(done),
        exceptions,
        len(sample.items) - len(done),
        confidence,
        exceptions / len(done),
        low,
        high,
        method,
    )


def samples(session: Session, engagement: Engagement) -> list[VerificationSample]:
    return list(
        session.scalars(
            select(VerificationSample)
            .where(VerificationSample.engagement_id == engagement.id)
            .options(selectinload(VerificationSample.items).joinedload(SampleItem.declared_item))
            .order_by(VerificationSample.id.desc())
        )
    )


def load_sample(session: Session, engagement: Engagement, sample_id: int) -> VerificationSample:
    return load_owned(session, VerificationSample, sample_id, engagement)


def load_item(session: Session, engagement: Engagement, sample_id: int, item_id: int) -> SampleItem:
    item = session.get(SampleItem, item_id)
    if item is None or item.sample_id != sample_id or item.sample.engagement_id != engagement.id:
        raise EngagementNotFound(item_id)
    return item


def list_size_checks(session: Session, engagement: Engagement, actor: User, now: datetime) -> list[CrossCheck]:
    """Declared list size vs the size the latest completed sample projects (declared − projected exceptions)."""
    results, seen = [], set()
    for sample in samples(session, engagement):
        found = estimate(sample)
        if sample.import_id in seen or found.pending or found.rate is None:
            continue
        seen.add(sample.import_id)
        projected_valid = Decimal(found.population) - Decimal(str(round(found.projected, 4)))
        low, high = found.projected_range
        results.append(
            save_check(
                session,
                engagement,
                actor,
                now,
                "list_size",
                f"{sample.material.name} 数量",
                "项",
                Decimal(found.population),
                f"申报清单“{sample.material.name}”行数",
                projected_valid,
                f"抽样核查推断（样本 {found.checked}，{found.exceptions} 项不实）",
                note=f"{int(found.confidence * 100)}% 置信区间：不实 {low:.0f}–{high:.0f} 项",
            )
        )
    return results


def worksheet_rows(sample: VerificationSample) -> tuple[list[str], list[list]]:
    """A field worksheet: the sampled items with every declared column and blank result columns."""
    columns = sample.material.columns
    header = ["序号", "分层", "关键值", *columns, "核查结果（核实无误/未找到/与申报不符）", "情况说明"]
    rows = [
        [
            item.position,
            item.stratum or "",
            item.declared_item.key,
            *[item.declared_item.data.get(c) or "" for c in columns],
            "" if item.result == "pending" else RESULT_LABELS[item.result],
            item.note or "",
        ]
        for item in sample.items
    ]
    return header, rows
