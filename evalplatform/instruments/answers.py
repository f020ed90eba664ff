"""Server-side validation of a response's answers: the mirror of what the respondent page checks."""
from __future__ import annotations

import re
from datetime import date

from . import expr
from .schema import DONT_KNOW, TEXT_MAX_DEFAULT, AnswerErrors, choices_of

_INT_RE = re.compile(r"^-?\d{1,15}$")
_DEC_RE = re.compile(r"^-?\d{1,15}(\.\d{1,10})?$")


class _Invalid(Exception):
    pass


def validate_answers(definition: dict, answers) -> dict:
    """Return the clean answers (types normalised, hidden questions dropped) or raise AnswerErrors."""
    if not isinstance(answers, dict):
        raise AnswerErrors({"": "答案格式不正确"})
    by_code = {q["code"]: q for s in definition["sections"] for q in s["questions"]}
    unknown = [k for k in answers if k not in by_code or by_code[k]["type"] == "note"]
    if unknown:
        raise AnswerErrors({str(k)[:64]: "问卷中没有这道题" for k in unknown[:20]})
    errors: dict[str, str] = {}
    clean: dict = {}
    for section in definition["sections"]:
        shown = _relevant(section.get("relevant"), clean)
        for q in section["questions"]:
            if q["type"] == "note" or not shown or not _relevant(q.get("relevant"), clean):
                continue  # hidden by skip logic: an answer sent anyway is not kept
            message = _check_one(q, answers.get(q["code"]), clean)
            if isinstance(message, str):
                errors[q["code"]] = message
            elif message is not None:
                clean[q["code"]] = message[0]
    if errors:
        raise AnswerErrors(errors)
    return clean


def is_relevant(question: dict, section: dict, values: dict) -> bool:
    return _relevant(section.get("relevant"), values) and _relevant(question.get("relevant"), values)


def _relevant(text, values) -> bool:
    return not text or expr.check(text, values)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _check_one(q: dict, raw, values: dict):
    """None when unanswered, a 1-tuple with the clean value, or an error message."""
    if _empty(raw):
        return "此题为必答题" if q.get("required") else None
    try:
        value = _coerce(q, raw)
    except _Invalid as error:
        return str(error)
    if q.get("constraint") and not expr.check(q["constraint"], values, value):
        return q.get("constraint_message") or "答案不符合本题的要求"
    return (value,)


def _coerce(q: dict, raw):
    kind = q["type"]
    if kind in ("single_choice", "satisfaction", "site"):
        return _choice(q, raw)
    if kind == "multiple_choice":
        return _choices(q, raw)
    if kind == "matrix":
        return _matrix(q, raw)
    if kind in ("integer", "rating"):
        return _bounded(q, _integer(raw))
    if kind == "decimal":
        return _bounded(q, _decimal(raw))
    if kind == "date":
        return _date(q, raw)
    if kind == "photo":
        if not isinstance(raw, list) or len(raw) > 20 or not all(isinstance(x, str) and len(x) <= 64 for x in raw):
            raise _Invalid("照片答案格式不正确")
        return raw
    return _text(q, raw)


def _choice(q, raw):
    codes = [c["code"] for c in choices_of(q)]
    if not isinstance(raw, str) or raw not in codes:
        raise _Invalid("请选择列出的选项之一")
    return raw


def _choices(q, raw):
    codes = [c["code"] for c in choices_of(q)]
    if not isinstance(raw, list) or not all(isinstance(x, str) and x in codes for x in raw) or len(set(raw)) != len(raw):
        raise _Invalid("请选择列出的选项（可多选，不可重复）")
    if q.get("min") is not None and len(raw) < q["min"]:
        raise _Invalid(f"请至少选择 {q['min']} 项")
    if q.get("max") is not None and len(raw) > q["max"]:
        raise _Invalid(f"最多选择 {q['max']} 项")
    return [c for c in codes if c in raw]  # stored in definition order


def _matrix(q, raw):
    items = [i["code"] for i in q.get("items", [])]
    codes = [c["code"] for c in choices_of(q)]
    if not isinstance(raw, dict) or any(k not in items for k in raw):
        raise _Invalid("矩阵题的子项不正确")
    if any(v not in codes for v in raw.values() if not _empty(v)):
        raise _Invalid("矩阵题中有无效的选项")
    clean = {k: raw[k] for k in items if not _empty(raw.get(k))}
    if q.get("required") and len(clean) < len(items):
        raise _Invalid("请为每一项作答")
    return clean


def _integer(raw) -> int:
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and _INT_RE.match(raw.strip()))):
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        raise _Invalid("请填写整数")
    value = int(raw)
    if abs(value) > 10**15:
        raise _Invalid("数值过大")
    return value


def _decimal(raw) -> float:
    if isinstance(raw, bool):
        raise _Invalid("请填写数字")
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str) and _DEC_RE.match(raw.strip()):
        value = float(raw)
    else:
        raise _Invalid("请填写数字")
    if value != value or abs(value) > 1e15:
        raise _Invalid("数值超出范围")
    return value


def _bounded(q, value):
    low = q.get("min", 0 if q["type"] == "rating" else None)
    high = q.get("max")
    if low is not None and value < low:
        raise _Invalid(f"不能小于 {low}")
    if high is not None and value > high:
        raise _Invalid(f"不能大于 {high}")
    return value


def _date(q, raw) -> str:
    try:
        value = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise _Invalid("请填写有效日期（年-月-日）")
    text = value.isoformat()
    if q.get("min") and text < str(q["min"]):
        raise _Invalid(f"日期不能早于 {q['min']}")
    if q.get("max") and text > str(q["max"]):
        raise _Invalid(f"日期不能晚于 {q['max']}")
    return text


def _text(q, raw) -> str:
    if not isinstance(raw, str):
        raise _Invalid("请填写文字")
    value = raw.strip()
    limit = min(int(q.get("max_length") or TEXT_MAX_DEFAULT), 100_000)
    if len(value) > limit:
        raise _Invalid(f"不能超过 {limit} 字")
    if q.get("min_length") and len(value) < int(q["min_length"]):
        raise _Invalid(f"至少填写 {q['min_length']} 字")
    if q.get("pattern") and not re.fullmatch(q["pattern"], value):
        raise _Invalid(q.get("constraint_message") or "格式不正确")
    return value


def attention_failed(definition: dict, answers: dict) -> list[str]:
    """Codes of attention-check questions answered, but not as instructed."""
    failed = []
    for s in definition["sections"]:
        for q in s["questions"]:
            check = q.get("attention_check")
            if check and q["code"] in answers and answers[q["code"]] != check.get("expected"):
                failed.append(q["code"])
    return failed


__all__ = ["validate_answers", "attention_failed", "is_relevant", "DONT_KNOW"]
