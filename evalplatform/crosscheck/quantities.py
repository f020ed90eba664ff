"""Declared outputs vs what was measured on site, and declared satisfaction vs the survey.

- ``output_quantity_checks``: each measured quantity of the inspections (``inspections.service.
  inspected_quantities``, keyed by the checklist's measure key such as ``road_length_km``) is set against a
  declared figure: a declared list row whose key is the inspected site's name (per site), or a 自评表
  indicator's 实际完成值 (the sum over all inspected sites). The target is found by unit and name, or
  chosen by the evaluator (``save_quantity_target``, remembered per engagement).
- ``satisfaction_checks``: the 自评表's 满意度指标 实际完成值 vs the questionnaire's satisfaction rate
  (``analysis.satisfaction_for_scoring`` of ``analysis.sources.questionnaire_surveys``); consistent when
  the declared rate lies inside the survey's 95 % interval.

No Flask here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import User
from ..analysis import satisfaction_for_scoring
from ..analysis.contract import satisfaction_items
from ..analysis.sources import questionnaire_surveys
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit
from ..inspections.service import inspected_quantities
from ..materials import service as materials
from ..materials.models import ColumnMapping, MaterialImport
from ..materials.reading import normalize_text, parse_decimal
from .checks import save_check
from .models import CrossCheck, Finding

MAPPING_KIND = "quantity_targets"  # ColumnMapping row: measure key → target (see parse_target)
QUANTITY_TOLERANCE = (None, Decimal("0.02"))  # 2 % of the declared figure
# unit → (dimension, factor to the dimension's base unit)
UNITS = {
    "km": ("length", Decimal(1000)),
    "公里": ("length", Decimal(1000)),
    "千米": ("length", Decimal(1000)),
    "m": ("length", Decimal(1)),
    "米": ("length", Decimal(1)),
    "延米": ("length", Decimal(1)),
    "m2": ("area", Decimal(1)),
    "m²": ("area", Decimal(1)),
    "㎡": ("area", Decimal(1)),
    "平方米": ("area", Decimal(1)),
    "万平方米": ("area", Decimal(10000)),
    "亩": ("area", Decimal(10000) / Decimal(15)),
    "km2": ("area", Decimal(10**6)),
    "平方公里": ("area", Decimal(10**6)),
    "m3": ("volume", Decimal(1)),
    "m³": ("volume", Decimal(1)),
    "立方米": ("volume", Decimal(1)),
    "万立方米": ("volume", Decimal(10000)),
}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_UNIT_IN_BRACKETS = re.compile(r"[（(]\s*(?:单位[:：])?\s*([^（）()]+?)\s*[）)]\s*$")


class QuantityError(Exception):
    """Refused input; the message is for the evaluator (Chinese)."""


def unit_in(text: str | None) -> str | None:
    """The unit written after a figure (126.4公里 → 公里) or in a header's brackets (改造里程（公里） → 公里)."""
    if not text:
        return None
    text = normalize_text(text).strip()
    bracket = _UNIT_IN_BRACKETS.search(text)
    if bracket:
        return bracket.group(1).strip()
    match = None
    for match in _NUMBER.finditer(text.replace(",", "")):  # noqa: B007 - the last number is the one wanted
        pass
    if match is None:
        return None
    rest = text.replace(",", "")[match.end() :].strip()
    return rest or None


def number_in(text: str | None) -> Decimal | None:
    if not text:
        return None
    match = _NUMBER.search(normalize_text(text).replace(",", ""))
    return parse_decimal(match.group(0)) if match else None


def _canonical(unit: str | None) -> str:
    return normalize_text(unit or "").strip().lower().replace(" ", "")


def convert(value: Decimal, from_unit: str | None, to_unit: str | None) -> Decimal | None:
    """`value` in `from_unit` expressed in `to_unit`; None when the units do not measure the same thing."""
    a, b = _canonical(from_unit), _canonical(to_unit)
    if a == b:
        return value
    if a in UNITS and b in UNITS and UNITS[a][0] == UNITS[b][0]:
        return value * UNITS[a][1] / UNITS[b][1]
    return None


def _same_unit(a: str | None, b: str | None) -> bool:
    """km and 公里 are the same unit; m and km are not (a width in m is not a mileage in km)."""
    return convert(Decimal(1), a, b) == 1


# --- the evaluator's choice of target per measure key ------------------------------------------------


@dataclass(frozen=True)
class Target:
    kind: str  # indicator | list | none
    name: str = ""  # 三级指标 name, or the declared list's name
    column: str = ""  # the list's quantity column

    @property
    def code(self) -> str:
        return {"indicator": f"indicator:{self.name}", "list": f"list:{self.name}:{self.column}"}.get(self.kind, "none")

    @property
    def label(self) -> str:
        if self.kind == "indicator":
            return f"自评表“{self.name}”实际完成值（全部实测点位合计）"
        if self.kind == "list":
            return f"申报清单“{self.name}”的“{self.column}”列（按点位名称逐个对照）"
        return "不对照"


def parse_target(code: str) -> Target:
    code = (code or "").strip()
    if code.startswith("indicator:") and code[10:].strip():
        return Target("indicator", code[10:].strip())
    if code.startswith("list:"):
        name, _, column = code[5:].rpartition(":")
        if name.strip() and column.strip():
            return Target("list", name.strip(), column.strip())
    if code in ("", "none"):
        return Target("none")
    raise QuantityError("对照对象格式不正确")


def saved_targets(session: Session, engagement: Engagement) -> dict[str, Target]:
    row = session.scalar(select(ColumnMapping).filter_by(engagement_id=engagement.id, kind=MAPPING_KIND))
    return {key: parse_target(code) for key, code in (row.mapping if row else {}).items()}


def save_quantity_target(
    session: Session, engagement: Engagement, actor: User, now: datetime, key: str, code: str
) -> Target | None:
    """Remember which declared figure a measure key is checked against; 'auto' forgets the choice."""
    ensure_can_edit(engagement, actor)
    key = (key or "").strip()
    if not key or key not in {q.key for q in _inspected(session, engagement)}:
        raise QuantityError("现场勘查中没有这个实测项")
    target = None if code == "auto" else parse_target(code)
    if target is not None and target.code not in {t.code for t in target_choices(session, engagement)} | {"none"}:
        raise QuantityError("所选对照对象不存在（自评表指标或申报清单的列）")
    row = session.scalar(select(ColumnMapping).filter_by(engagement_id=engagement.id, kind=MAPPING_KIND))
    if row is None:
        row = ColumnMapping(engagement_id=engagement.id, kind=MAPPING_KIND, mapping={})
        session.add(row)
    mapping = dict(row.mapping or {})
    before = mapping.get(key, "auto")
    if target is None:
        mapping.pop(key, None)
    else:
        mapping[key] = target.code
    row.mapping = mapping
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="crosscheck.quantity_target",
        engagement_id=engagement.id,
        now=now,
        object_type="ColumnMapping",
        details={"name": key, "before": before, "after": target.code if target else "auto"},
    )
    return target


def _lists(session: Session, engagement: Engagement) -> list[MaterialImport]:
    found: dict[str, MaterialImport] = {}
    for material in materials.list_imports(session, engagement):  # newest first: the current one per name
        if material.kind == "declared_list":
            found.setdefault(material.name, material)
    return list(found.values())


def target_choices(session: Session, engagement: Engagement) -> list[Target]:
    """What a measure can be checked against: 自评表 indicators with a figure, declared lists' other columns."""
    choices = [
        Target("indicator", i.level3)
        for i in materials.self_assessed_indicators(session, engagement)
        if i.actual_number is not None
    ]
    for material in _lists(session, engagement):
        key_header = (material.mapping or {}).get("key")
        choices += [Target("list", material.name, c) for c in material.columns if c != key_header]
    return choices


# --- the rules -------------------------------------------------------------------------------------


def _inspected(session: Session, engagement: Engagement) -> list:
    return inspected_quantities(session, engagement)


def _auto_target(key_quantities: list, indicators: list, lists: list) -> Target:
    """A declared list whose key names the inspected sites and with exactly one column in the same unit;
    else the one 自评表 indicator named like the measure or in the same unit (the evaluator may choose
    any other, converted between units of one kind)."""
    unit, label = key_quantities[0].unit, key_quantities[0].label
    sites = {_canonical(q.site_name) for q in key_quantities}
    candidates = []
    for material, items in lists:
        if not sites & {_canonical(i.key) for i in items}:
            continue
        key_header = (material.mapping or {}).get("key")
        candidates += [
            Target("list", material.name, c)
            for c in material.columns
            if c != key_header and _same_unit(unit, unit_in(c))
        ]
    if len(candidates) == 1:
        return candidates[0]
    named = [i for i in indicators if i.actual_number is not None and (label in i.level3 or i.level3 in label)]
    united = [i for i in indicators if i.actual_number is not None and _same_unit(unit, unit_in(i.actual_value))]
    for found in (named, united):
        if len(found) == 1:
            return Target("indicator", found[0].level3)
    return Target("none")


def output_quantity_checks(session: Session, engagement: Engagement, actor: User, now: datetime) -> list[CrossCheck]:
    """Declared output quantity vs the inspected quantity, for every measure key the inspections recorded."""
    latest: dict[tuple[int, str], object] = {}
    for quantity in _inspected(session, engagement):  # oldest inspection first: the latest wins per site
        latest[(quantity.site_id, quantity.key)] = quantity
    by_key: dict[str, list] = {}
    for quantity in latest.values():
        by_key.setdefault(quantity.key, []).append(quantity)
    indicators = materials.self_assessed_indicators(session, engagement)
    lists = [(m, materials.declared_items(session, m)) for m in _lists(session, engagement)]
    chosen = saved_targets(session, engagement)
    results = []
    for key, quantities in sorted(by_key.items()):
        target = chosen.get(key) or _auto_target(quantities, indicators, lists)
        if target.kind == "list":
            results += _against_list(session, engagement, actor, now, quantities, target, lists, save_check)
        elif target.kind == "indicator":
            check = _against_indicator(
                session, engagement, actor, now, quantities, target, indicators, save_check, explicit=key in chosen
            )
            results += [check] if check is not None else []
    _forget_stale(session, engagement, "output_quantity", {c.id for c in results})
    return results


def _against_list(session, engagement, actor, now, quantities, target: Target, lists, save) -> list[CrossCheck]:
    material, items = next(((m, i) for m, i in lists if m.name == target.name), (None, []))
    by_site = {_canonical(i.key): i for i in items}
    declared_unit = unit_in(target.column)
    results = []
    for q in sorted(quantities, key=lambda q: q.site_name):
        item = by_site.get(_canonical(q.site_name))
        declared = number_in(item.data.get(target.column)) if item is not None else None
        unit = declared_unit or q.unit
        verified = convert(q.value, q.unit, unit)
        note = None if verified is not None else f"实测单位 {q.unit} 与申报单位 {unit} 不能换算"
        if item is None:
            note = f"申报清单“{target.name}”中没有名为“{q.site_name}”的行"
        results.append(
            save(
                session,
                engagement,
                actor,
                now,
                "output_quantity",
                f"{q.site_name}：{q.label}"[:200],
                unit[:20],
                declared,
                f"申报清单“{target.name}” {target.column}"[:300],
                verified,
                f"现场勘查实测（{q.site_name}，{q.value.normalize():f} {q.unit}）"[:300],
                tolerance=QUANTITY_TOLERANCE,
                note=note,
            )
        )
    return results


def _against_indicator(
    session, engagement, actor, now, quantities, target: Target, indicators, save, *, explicit: bool
) -> CrossCheck | None:
    row = next((i for i in indicators if i.level3 == target.name), None)
    if row is None:
        return None
    unit = unit_in(row.actual_value) or quantities[0].unit
    converted = [convert(q.value, q.unit, unit) for q in quantities]
    verified = None if any(v is None for v in converted) else sum(converted, Decimal(0))
    sites = "、".join(q.site_name for q in quantities)
    note = f"实测点位 {len(quantities)} 个（{sites}）的合计；只覆盖部分点位时请按点位对照申报清单"
    if verified is None:
        note = f"实测单位与申报单位 {unit} 不能换算"
    return save(
        session,
        engagement,
        actor,
        now,
        "output_quantity",
        f"{row.level3}（现场实测）"[:200],
        unit[:20],
        row.actual_number,
        f"绩效自评表 {row.level3} 实际完成值（{row.actual_value}）"[:300],
        verified,
        f"现场勘查实测合计（{quantities[0].label}）"[:300],
        tolerance=QUANTITY_TOLERANCE,
        note=note[:1000],
        indicator_ref=row.level3 if explicit else None,
    )


def _forget_stale(session: Session, engagement: Engagement, rule: str, keep: set[int]) -> None:
    """Results of a rule this run no longer produced (a changed target) go, unless a finding cites them."""
    cited = set(
        session.scalars(
            select(Finding.cross_check_id).where(
                Finding.engagement_id == engagement.id, Finding.cross_check_id.is_not(None)
            )
        )
    )
    for check in session.scalars(select(CrossCheck).filter_by(engagement_id=engagement.id, rule=rule)):
        if check.id not in keep and check.id not in cited:
            session.delete(check)
    session.flush()


# --- satisfaction ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyRate:
    title: str
    rate: Decimal | None  # fractions
    low: Decimal | None
    high: Decimal | None
    n_valid: int


def survey_rate(session: Session, engagement: Engagement) -> SurveyRate | None:
    """The first questionnaire with satisfaction questions: its overall top-two-box rate and Wilson interval."""
    survey = next((s for s in questionnaire_surveys(session, engagement) if satisfaction_items(s.questions)), None)
    if survey is None:
        return None
    score = satisfaction_for_scoring(survey.frame, survey.questions, adequacy=survey.adequacy)
    d = lambda v: None if v is None else Decimal(str(v))  # noqa: E731
    return SurveyRate(survey.title, d(score.rate), d(score.ci_low), d(score.ci_high), score.n_valid)


def _declared_rate(row) -> Decimal | None:
    value = row.actual_number
    if value is None:
        return None
    return value / 100 if "%" in normalize_text(row.actual_value or "") or value > 1 else value


def satisfaction_checks(session: Session, engagement: Engagement, actor: User, now: datetime) -> list[CrossCheck]:
    """Each 满意度指标 row of the 自评表 vs the survey: consistent when it lies inside the 95 % interval."""
    rows = [
        i
        for i in materials.self_assessed_indicators(session, engagement)
        if "满意" in f"{i.level1}{i.level2}{i.level3}" and i.actual_number is not None
    ]
    if not rows:
        _forget_stale(session, engagement, "satisfaction", set())
        return []
    survey = survey_rate(session, engagement)
    results = []
    for row in rows:
        declared = _declared_rate(row)
        verified, tolerance, source, note = None, (None, None), "满意度调查", None
        if survey is not None and survey.rate is not None:
            verified = survey.rate
            bound = survey.high if declared >= survey.rate else survey.low
            tolerance = (abs(bound - survey.rate), None)
            source = f"满意度调查“{survey.title}”（有效问卷 {survey.n_valid} 份）"
            note = f"95% 置信区间 {survey.low * 100:.1f}%–{survey.high * 100:.1f}%；申报值落在区间内视为一致"
        elif survey is not None:
            note = f"问卷“{survey.title}”还没有有效的满意度作答"
        results.append(
            save_check(
                session,
                engagement,
                actor,
                now,
                "satisfaction",
                row.level3[:200],
                "%",
                declared,
                f"绩效自评表 {row.level3} 实际完成值（{row.actual_value}）"[:300],
                verified,
                source[:300],
                tolerance=tolerance,
                note=note,
                indicator_ref=row.level3,
            )
        )
    _forget_stale(session, engagement, "satisfaction", {c.id for c in results})
    return results


@dataclass(frozen=True)
class MeasureSetting:
    key: str
    label: str
    unit: str
    sites: str
    chosen: str  # a target code, or "auto"
    auto: Target  # what automatic matching picks


def measure_settings(session: Session, engagement: Engagement) -> list[MeasureSetting]:
    """One row per measure key of the inspections, for the page where the evaluator picks its target."""
    by_key: dict[str, list] = {}
    for quantity in _inspected(session, engagement):
        by_key.setdefault(quantity.key, []).append(quantity)
    if not by_key:
        return []
    indicators = materials.self_assessed_indicators(session, engagement)
    lists = [(m, materials.declared_items(session, m)) for m in _lists(session, engagement)]
    chosen = saved_targets(session, engagement)
    return [
        MeasureSetting(
            key,
            found[0].label,
            found[0].unit,
            "、".join(sorted({q.site_name for q in found})),
            chosen[key].code if key in chosen else "auto",
            _auto_target(found, indicators, lists),
        )
        for key, found in sorted(by_key.items())
    ]
