"""Expressions in words for the pages people read: `${aware} = '1'` → 「您是否了解本项目」为“了解”.

The builder shows the wording and keeps the expression itself in a tooltip for the author.
"""

from __future__ import annotations

from .expr import ExpressionError, tokenize

WORDS = {
    "=": "为",
    "!=": "不为",
    ">=": "≥",
    "<=": "≤",
    ">": ">",
    "<": "<",
    "and": "且",
    "or": "或",
    "div": "÷",
    "mod": "除以取余",
    "*": "×",
    ".": "本题答案",
    "selected": "选中",
    "not": "非",
    "count-selected": "选中个数",
    "string-length": "字数",
}
SHORT = 24


def questions_by_code(definition: dict) -> dict[str, dict]:
    return {q["code"]: q for s in definition.get("sections") or [] for q in s.get("questions") or []}


def _label(question: dict | None, code: str) -> str:
    text = (question or {}).get("label") or code
    return f"「{text[:SHORT]}{'…' if len(text) > SHORT else ''}」"


def _choice(question: dict | None, value) -> str:
    for choice in (question or {}).get("choices") or []:
        if str(choice.get("code")) == str(value):
            return f"“{choice.get('label')}”"
    return f"“{value}”"


def in_words(text: str | None, definition: dict) -> str:
    """The expression with question labels and choice labels in place of codes; unparsable text as it is."""
    if not text:
        return ""
    try:
        tokens = tokenize(text)
    except ExpressionError:
        return text
    questions, last, words = questions_by_code(definition), None, []
    for kind, value in tokens:
        if kind == "ref":
            last = questions.get(value)
            words.append(_label(last, value))
        elif kind == "str":
            words.append(_choice(last, value))
        elif kind in ("op", "word"):
            words.append(WORDS.get(value, value))
        else:
            words.append(str(value))
    return " ".join(words).replace("( ", "（").replace(" )", "）").replace(" , ", "，")


def labels_by_code(definitions) -> dict[str, str]:
    """Question, checklist item and measure codes of these definitions → their labels (for pages that would
    otherwise show a stored code, such as the audit log)."""
    labels = {}
    for definition in definitions:
        for code, question in questions_by_code(definition).items():
            labels[code] = question.get("label") or code
            measure = question.get("measure") or {}
            if measure.get("key"):
                labels[measure["key"]] = measure.get("label") or measure["key"]
    return labels
