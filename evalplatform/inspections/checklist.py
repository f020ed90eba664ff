"""Checklists: instrument definitions of kind 'checklist' whose questions are inspection items.

An item is a `single_choice` question whose choices are exactly the four results below, optionally with
  measure: {key, label, unit, quantity}   # a measured value (length, area, count, volume, amount)
  photos_required: N                      # photos to take unless the result is 不适用
Every item also takes a free note. `note` questions are allowed as instructions between items. The
measure key names the quantity for the cross-check engine (see service.inspected_quantities).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from ..instruments import service as instruments
from ..instruments.schema import DefinitionError, validate_definition

RESULTS = {"pass": "符合", "fail": "不符合", "partial": "部分符合", "na": "不适用"}
QUANTITIES = ("length", "area", "volume", "count", "amount", "other")
MEASURE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_PHOTOS_REQUIRED = 10


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    section: str
    required: bool
    measure: dict | None
    photos_required: int
    hint: str = ""


def validate_checklist(definition) -> dict:
    """An instrument definition that is also a valid checklist, or DefinitionError listing every problem."""
    definition = validate_definition(definition)
    problems = []
    if definition.get("kind") != "checklist":
        problems.append("勘查表的类型（kind）必须是 checklist")
    keys: set[str] = set()
    for section in definition["sections"]:
        for q in section["questions"]:
            if q["type"] == "note":
                continue
            where = f"检查项 {q['code']}"
            if q["type"] != "single_choice" or [c.get("code") for c in q.get("choices", [])] != list(RESULTS):
                problems.append(
                    f"{where}：检查项必须是单选题，选项依次为 符合/不符合/部分符合/不适用（编码 pass/fail/partial/na）"
                )
            measure = q.get("measure")
            if measure is not None:
                if not isinstance(measure, dict):
                    problems.append(f"{where}：实测值（measure）格式不正确")
                else:
                    key = measure.get("key")
                    if not isinstance(key, str) or not MEASURE_KEY_RE.match(key):
                        problems.append(f"{where}：实测值需要英文小写编码 key（如 road_length_km）")
                    elif key in keys:
                        problems.append(f"{where}：实测值编码重复 {key}")
                    else:
                        keys.add(key)
                    if not str(measure.get("unit") or "").strip() or len(str(measure.get("unit"))) > 20:
                        problems.append(f"{where}：实测值需要单位（不超过 20 字）")
                    if measure.get("quantity", "other") not in QUANTITIES:
                        problems.append(f"{where}：实测值的量纲只能是 {'/'.join(QUANTITIES)}")
            photos = q.get("photos_required", 0)
            if not isinstance(photos, int) or isinstance(photos, bool) or not 0 <= photos <= MAX_PHOTOS_REQUIRED:
                problems.append(f"{where}：应拍照片数必须是 0 到 {MAX_PHOTOS_REQUIRED} 的整数")
    if problems:
        raise DefinitionError(problems)
    return definition


def items(definition: dict) -> list[Item]:
    return [
        Item(
            code=q["code"],
            label=q["label"],
            section=s.get("title") or s.get("code", ""),
            required=bool(q.get("required")),
            measure=q.get("measure"),
            photos_required=int(q.get("photos_required") or 0),
            hint=q.get("hint") or "",
        )
        for s in definition["sections"]
        for q in s["questions"]
        if q["type"] != "note"
    ]


def load_checklist_template(name: str) -> dict:
    """A checklist from surveys/ (YAML helper keys such as `x-results` anchors are dropped)."""
    definition = {k: v for k, v in copy.deepcopy(instruments.load_template(name)).items() if not k.startswith("x-")}
    return validate_checklist(definition)


def checklist_templates() -> list[dict]:
    return instruments.list_templates("checklist")


__all__ = [
    "RESULTS",
    "Item",
    "DefinitionError",
    "validate_checklist",
    "items",
    "load_checklist_template",
    "checklist_templates",
]
