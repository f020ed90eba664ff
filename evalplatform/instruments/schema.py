"""The instrument document (questionnaires and checklists) and the validation of answers against it.

A definition is plain JSON: {"title", "kind", "sections": [{"code", "title", "relevant"?, "questions": [...]}]}.
A question: {"code", "type", "label", "hint"?, "required"?, "relevant"?, "constraint"?, "constraint_message"?,
"choices"? [{"code", "label"}], "items"? (matrix rows), "randomize"?, "min"/"max" (numbers, dates, rating
scale, selections), "min_length"/"max_length"/"pattern" (text), "attention_check"? {"expected": code}}.
"""
from __future__ import annotations

import re

from . import expr

KINDS = ("questionnaire", "checklist")
QUESTION_TYPES = ("single_choice", "multiple_choice", "satisfaction", "rating", "matrix", "text", "integer",
                  "decimal", "date", "site", "note", "photo")
CHOICE_TYPES = ("single_choice", "multiple_choice", "site")
# 5-level satisfaction (design.md §5): code, label, weighted score; 不了解 is excluded from rates.
SATISFACTION_CHOICES = [
    {"code": "5", "label": "非常满意", "score": 100}, {"code": "4", "label": "满意", "score": 80},
    {"code": "3", "label": "一般", "score": 60}, {"code": "2", "label": "不满意", "score": 40},
    {"code": "1", "label": "非常不满意", "score": 20}, {"code": "dk", "label": "不了解", "score": None},
]
DONT_KNOW = "dk"
CODE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CHOICE_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TEXT_MAX_DEFAULT = 5000
LABEL_MAX = 2000


class DefinitionError(ValueError):
    """The definition is not a valid instrument; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


class AnswerErrors(ValueError):
    """Answers refused; `errors` maps question code (or "" for the whole response) to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def questions(definition: dict) -> list[dict]:
    return [q for s in definition.get("sections", []) for q in s.get("questions", [])]


def choices_of(question: dict) -> list[dict]:
    if question["type"] in ("satisfaction",) or (question["type"] == "matrix" and not question.get("choices")):
        return SATISFACTION_CHOICES
    return question.get("choices") or []


def answer_columns(definition: dict) -> list[tuple[str, dict, dict | None]]:
    """(column code, question, matrix item) for every answerable cell, in document order."""
    columns = []
    for q in questions(definition):
        if q["type"] == "note":
            continue
        if q["type"] == "matrix":
            columns += [(f"{q['code']}.{item['code']}", q, item) for item in q.get("items", [])]
        else:
            columns.append((q["code"], q, None))
    return columns


def validate_definition(definition) -> dict:
    """Check structure, codes, types, choices and expressions; return the definition or raise DefinitionError."""
    problems: list[str] = []
    if not isinstance(definition, dict):
        raise DefinitionError(["问卷定义必须是 JSON 对象"])
    if not str(definition.get("title") or "").strip():
        problems.append("缺少问卷标题")
    if definition.get("kind", "questionnaire") not in KINDS:
        problems.append(f"未知的类型：{definition.get('kind')}")
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        raise DefinitionError(problems + ["至少需要一个部分（section）"])
    seen: set[str] = set()
    for index, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not isinstance(section.get("questions"), list):
            problems.append(f"第 {index} 部分格式不正确")
            continue
        _check_expression(section.get("relevant"), f"第 {index} 部分的显示条件", seen, problems)
        for question in section["questions"]:
            _check_question(question, seen, problems)
    if problems:
        raise DefinitionError(problems)
    return definition


def _check_question(q, seen: set[str], problems: list[str]) -> None:
    if not isinstance(q, dict):
        problems.append("题目格式不正确")
        return
    code = q.get("code")
    where = f"题目 {code}"
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(f"题目编码无效：{code!r}（字母开头，仅字母、数字、下划线）")
        return
    if code in seen:
        problems.append(f"题目编码重复：{code}")
    if q.get("type") not in QUESTION_TYPES:
        problems.append(f"{where}：未知题型 {q.get('type')!r}")
        return
    if not isinstance(q.get("label"), str) or not q["label"].strip() or len(q["label"]) > LABEL_MAX:
        problems.append(f"{where}：题目文字不能为空且不超过 {LABEL_MAX} 字")
    if q["type"] in CHOICE_TYPES:
        _check_choices(q.get("choices"), where, problems, allow_empty=q["type"] == "site")
    if q["type"] == "matrix":
        _check_choices(q.get("items"), f"{where} 的子项", problems)
        if q.get("choices"):
            _check_choices(q["choices"], where, problems)
    if q["type"] == "rating" and not (isinstance(q.get("min", 0), int) and isinstance(q.get("max"), int)
                                      and q.get("min", 0) < q["max"] <= 100):
        problems.append(f"{where}：评分题需要整数的 min 与 max")
    if q.get("pattern"):
        try:
            re.compile(q["pattern"])
        except re.error:
            problems.append(f"{where}：正则表达式无效")
    # Expressions may read earlier questions and the question itself (constraints use '.').
    _check_expression(q.get("relevant"), f"{where} 的显示条件", seen, problems)
    _check_expression(q.get("constraint"), f"{where} 的约束条件", seen | {code}, problems)
    expected = (q.get("attention_check") or {}).get("expected") if isinstance(q.get("attention_check"), dict) else None
    if q.get("attention_check") and expected not in [c["code"] for c in choices_of(q) if isinstance(c, dict)]:
        problems.append(f"{where}：注意力检测题的正确答案必须是一个选项编码")
    seen.add(code)


def _check_choices(choices, where: str, problems: list[str], allow_empty: bool = False) -> None:
    if not isinstance(choices, list) or (not choices and not allow_empty):
        problems.append(f"{where}：需要至少一个选项")
        return
    codes = set()
    for choice in choices:
        if not isinstance(choice, dict) or not CHOICE_CODE_RE.match(str(choice.get("code", ""))) \
                or not str(choice.get("label") or "").strip():
            problems.append(f"{where}：选项需要编码（字母数字）和文字：{choice!r}"[:200])
            continue
        if choice["code"] in codes:
            problems.append(f"{where}：选项编码重复 {choice['code']}")
        codes.add(choice["code"])


def _check_expression(text, where: str, known: set[str], problems: list[str]) -> None:
    if text in (None, ""):
        return
    try:
        unknown = expr.references(expr.parse(str(text))) - known
    except expr.ExpressionError as error:
        problems.append(f"{where}无效：{error}")
        return
    if unknown:
        problems.append(f"{where}引用了不存在或在其后的题目：{', '.join(sorted(unknown))}")
