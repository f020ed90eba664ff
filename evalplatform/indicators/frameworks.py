"""Indicator framework templates (reports/frameworks/*.yaml): loading and validation.

A malformed template is refused with the file and the node path named, e.g.
`project_common_2020.yaml: 产出 / 产出数量 / 实际完成率: 未知的评分方法“ratio”`.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from . import engine

FRAMEWORKS_DIR = Path(__file__).resolve().parents[2] / "reports" / "frameworks"
NODE_KEYS = {
    "name",
    "points",
    "children",
    "explanation",
    "key_points",
    "target",
    "unit",
    "operator",
    "method",
    "params",
    "standard",
}


class FrameworkError(ValueError):
    def __init__(self, filename: str, node: str, message: str):
        super().__init__(f"{filename}: {node}: {message}" if node else f"{filename}: {message}")
        self.filename, self.node, self.message = filename, node, message


@dataclass
class TemplateNode:
    name: str
    points: Decimal
    level: int
    children: list[TemplateNode] = field(default_factory=list)
    explanation: str = ""  # 指标解释
    key_points: list[str] = field(default_factory=list)  # 评价要点
    target: Decimal | None = None
    unit: str = ""
    operator: str = "qualitative"
    method: str = "manual"
    params: dict = field(default_factory=dict)
    standard: str = "plan"


@dataclass
class Framework:
    code: str
    name: str
    kind: str
    indicators: list[TemplateNode]

    def walk(self):
        stack = list(reversed(self.indicators))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def available_frameworks(directory: Path = FRAMEWORKS_DIR) -> list[Framework]:
    return [load_framework(path) for path in sorted(directory.glob("*.yaml"))]


def framework_by_code(code: str, directory: Path = FRAMEWORKS_DIR) -> Framework:
    for framework in available_frameworks(directory):
        if framework.code == code:
            return framework
    raise KeyError(code)


def load_framework(path: Path) -> Framework:
    path = Path(path)
    return copy.deepcopy(_load_cached(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=32)
def _load_cached(path: Path, _mtime_ns: int) -> Framework:
    name = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise FrameworkError(name, "", f"YAML 格式错误：{error}") from None
    if not isinstance(data, dict):
        raise FrameworkError(name, "", "文件内容应为映射（code、name、kind、indicators）")
    for key in ("code", "name", "kind", "indicators"):
        if not data.get(key):
            raise FrameworkError(name, "", f"缺少“{key}”")
    if data["kind"] not in ("project", "department"):
        raise FrameworkError(name, "", f"kind 应为 project 或 department，而不是“{data['kind']}”")
    if not isinstance(data["indicators"], list):
        raise FrameworkError(name, "", "indicators 应为列表")
    roots = [_node(name, raw, 1, ()) for raw in data["indicators"]]
    framework = Framework(code=str(data["code"]), name=str(data["name"]), kind=data["kind"], indicators=roots)
    _check_weights(name, framework)
    return framework


def _node(filename: str, raw: Any, level: int, path: tuple[str, ...]) -> TemplateNode:
    where = " / ".join(path + (str(raw.get("name", "?")) if isinstance(raw, dict) else "?",))

    def fail(message):
        raise FrameworkError(filename, where, message)

    if not isinstance(raw, dict):
        fail("指标应为映射（name、points …）")
    unknown = set(raw) - NODE_KEYS
    if unknown:
        fail(f"不认识的字段：{'、'.join(sorted(unknown))}")
    if not str(raw.get("name") or "").strip():
        fail("缺少指标名称（name）")
    try:
        points = engine.dec(raw.get("points"))
        target = engine.dec(raw.get("target"))
    except engine.ScoringError as error:
        fail(str(error))
    if points is None or points < 0:
        fail("分值（points）应为不小于 0 的数")
    node = TemplateNode(
        name=str(raw["name"]).strip(),
        points=points,
        level=level,
        explanation=str(raw.get("explanation") or ""),
        key_points=[str(k) for k in raw.get("key_points") or []],
        target=target,
        unit=str(raw.get("unit") or ""),
        operator=raw.get("operator", "qualitative"),
        method=raw.get("method", "manual"),
        params=dict(raw.get("params") or {}),
        standard=raw.get("standard", "plan"),
    )
    children = raw.get("children") or []
    if level < 3:
        if not isinstance(children, list) or not children:
            fail(f"{'一级' if level == 1 else '二级'}指标下应有下级指标（children）")
        node.children = [_node(filename, c, level + 1, path + (node.name,)) for c in children]
    else:
        if children:
            fail("三级指标不能再有下级指标")
        problem = rule_problem(node.method, node.operator, node.target, node.params, node.standard)
        if problem:
            fail(problem)
    return node


def rule_problem(method: str, operator: str, target, params: dict, standard: str = "plan") -> str | None:
    """Why a level-3 scoring rule is unusable, or None; shared by templates, the editor and imports."""
    if method not in engine.METHODS:
        return f"未知的评分方法“{method}”"
    if operator not in engine.OPERATORS:
        return f"未知的指标性质“{operator}”（应为 ge、le、eq 或 qualitative）"
    if standard not in engine.STANDARDS:
        return f"未知的评价标准“{standard}”"
    if method in ("ratio_higher_better", "ratio_lower_better", "equal", "survey", "formula") and target is None:
        return "按比例计分的指标必须设定指标值（目标值）"
    if method == "formula" and params.get("formula") not in engine.FORMULAS:
        return f"未知的计算公式“{params.get('formula')}”"
    return None


def _check_weights(filename: str, framework: Framework) -> None:
    nodes, counter = [], iter(range(1, 10**6))

    def add(node, parent):
        key = next(counter)
        nodes.append(engine.Node(key, parent, node.level, node.name, node.points))
        for child in node.children:
            add(child, key)

    for root in framework.indicators:
        add(root, None)
    problems = engine.weight_problems(nodes)
    if problems:
        raise FrameworkError(filename, "", "；".join(problems))
