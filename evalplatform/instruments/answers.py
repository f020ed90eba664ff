"""Server-side validation of a response's answers: the mirror of what the respondent page checks.

Walks the compiled form (instruments.form) in its evaluation order: a question that is not relevant is
skipped and an answer sent for it dropped; calculations and read-only defaults are computed here, never
taken from the client; then required and constraint rules run on the relevant questions with every value
known. The same expression engine (instruments.expr) as the browser's static/js/expr.js.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from . import expr
from .form import Form, compiled, is_expression
from .schema import DONT_KNOW, TEXT_MAX_DEFAULT, AnswerErrors, choices_of

_INT_RE = re.compile(r"^-?\d{1,15}$")
_DEC_RE = re.compile(r"^-?\d{1,15}(\.\d{1,10})?$")
COMPUTED = ("calculate",)
CLOCK_PAST_DAYS = 400  # an offline queue may hold a response for months, not years


class _Invalid(Exception):
    pass


def respondent_clock(clock, now: datetime) -> expr.Env:
    """today()/now() as the respondent's device saw them when the response was queued (ODK does the same),
    so a retry days later computes the same values; a clock far off the server's is replaced by the server's."""
    server_day = now.date()
    text = clock if isinstance(clock, str) and len(clock) <= 40 else ""
    try:
        day = date.fromisoformat(text[:10]) if text else None  # (most phones send none: no exception to pay)
    except ValueError:
        day = None
    if day is None or not server_day - timedelta(days=CLOCK_PAST_DAYS) <= day <= server_day + timedelta(days=1):
        return expr.Env(today=server_day.isoformat(), now=now.isoformat(timespec="seconds"))
    return expr.Env(today=day.isoformat(), now=text if len(text) > 10 else day.isoformat())


def validate_answers(definition: dict, answers, env: expr.Env | None = None) -> dict:
    """Return the clean answers (types normalised, hidden questions dropped, calculations added) or raise
    AnswerErrors."""
    if not isinstance(answers, dict):
        raise AnswerErrors({"": "答案格式不正确"})
    form = compiled(definition)
    unknown = [k for k in answers if k not in form.by_code or form.by_code[k]["type"] == "note"]
    if unknown:
        raise AnswerErrors({str(k)[:64]: "问卷中没有这道题" for k in unknown[:20]})
    env = expr.Env(today=(env or expr.Env()).today, now=(env or expr.Env()).now, choice_name=_labeller(form))
    values, errors, shown, memo = {}, {}, [], {}
    for code in form.order:
        q = form.by_code[code]
        if q["type"] == "note" or not form.relevant(code, values, env, memo):
            continue  # hidden by skip logic: an answer sent anyway is not kept
        shown.append(q)
        outcome = _value(q, answers.get(code), values, env)
        if isinstance(outcome, str):
            errors[code] = outcome
        elif outcome is not None:
            values[code] = outcome[0]
    for q in shown:
        if q["code"] not in errors:
            message = _rules(q, values, env)
            if message:
                errors[q["code"]] = message
    if errors:
        raise AnswerErrors(errors)
    return {q["code"]: values[q["code"]] for q in form.questions if q["code"] in values}


def _labeller(form: Form):
    def label(code, value):
        q = form.by_code.get(code)
        choice = next((c for c in choices_of(q) if c["code"] == value), None) if q else None
        return choice["label"] if choice else value

    return label


def required(q: dict, values: dict, env: expr.Env | None = None) -> bool:
    rule = q.get("required")
    if isinstance(rule, str):
        return expr.check(rule, values, None, env)
    return bool(rule)


def _value(q: dict, raw, values: dict, env: expr.Env):
    """None when there is no value, a 1-tuple with the clean value, or an error message."""
    if q.get("calculation"):
        return _computed(expr.evaluate(expr.parsed(q["calculation"]), values, None, env))
    if q.get("read_only") or q["type"] in COMPUTED:
        return _default(q, values, env)
    if _empty(raw):
        return None
    try:
        return (_coerce(q, raw, values, env),)
    except _Invalid as error:
        return str(error)


def _computed(value):
    """Calculated values as ODK keeps them: numbers stay numbers, true()/false() become 'true'/'false'."""
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if _empty(value) or (isinstance(value, float) and value != value):
        return None
    return (value,)


def _default(q: dict, values: dict, env: expr.Env):
    default = q.get("default")
    if default in (None, ""):
        return None
    if is_expression(default):
        return _computed(expr.evaluate(expr.parsed(default), values, None, env))
    if q["type"] == "multiple_choice" and isinstance(default, str):
        default = default.split()  # XLSForm writes a multiple default space-separated
    try:
        return (_coerce(q, default, values, env),)
    except _Invalid:
        return None


def _rules(q: dict, values: dict, env: expr.Env) -> str | None:
    """Required and constraint, once every value is known (a constraint may read a later question)."""
    if q.get("calculation") or q.get("read_only") or q["type"] in COMPUTED:
        return None
    value = values.get(q["code"])
    if _empty(value):
        return (q.get("required_message") or "此题为必答题") if required(q, values, env) else None
    if q.get("constraint") and not expr.check(q["constraint"], values, value, env):
        return q.get("constraint_message") or "答案不符合本题的要求"
    return None


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _coerce(q: dict, raw, values: dict, env: expr.Env):
    kind = q["type"]
    if kind in ("single_choice", "satisfaction", "site"):
        return _choice(q, raw, values, env)
    if kind == "multiple_choice":
        return _choices(q, raw, values, env)
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


def offered(q: dict, values: dict, env: expr.Env | None = None) -> list[str]:
    """Choice codes the respondent is offered now: all, or those passing the question's choice_filter."""
    rule = q.get("choice_filter")
    if not rule:
        return list(_all_codes(q))
    choices = choices_of(q)
    node = expr.parsed(rule, True)
    base = env or expr.Env()
    return [
        c["code"]
        for c in choices
        if expr.truthy(
            expr.evaluate(
                node,
                values,
                None,
                expr.Env(
                    today=base.today,
                    now=base.now,
                    choice_name=base.choice_name,
                    choice={**(c.get("filter") or {}), "name": c["code"], "label": c["label"]},
                ),
            )
        )
    ]


_codes_kept: dict[int, tuple[dict, tuple[str, ...]]] = {}


def _all_codes(q: dict) -> tuple[str, ...]:
    """The codes of a question without a choice filter, once per question object (frozen definitions are
    shared and never modified, as in form.compiled)."""
    entry = _codes_kept.get(id(q))
    if entry is None or entry[0] is not q:
        if len(_codes_kept) >= 4096:
            _codes_kept.clear()
        entry = _codes_kept[id(q)] = (q, tuple(c["code"] for c in choices_of(q)))
    return entry[1]


def _choice(q, raw, values, env):
    if not isinstance(raw, str) or raw not in offered(q, values, env):
        raise _Invalid("请选择列出的选项之一")
    return raw


def _choices(q, raw, values, env):
    codes = offered(q, values, env)
    if (
        not isinstance(raw, list)
        or not all(isinstance(x, str) and x in codes for x in raw)
        or len(set(raw)) != len(raw)
    ):
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
    if q.get("required") is True and len(clean) < len(items):
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
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and q.get("read_only"):
        raw = str(raw)
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


__all__ = ["validate_answers", "attention_failed", "respondent_clock", "offered", "DONT_KNOW"]
