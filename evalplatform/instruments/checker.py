"""Answer validation compiled once per definition into straight-line checks: the survey intake's common case
in a few dict lookups per answer (answers.validate_answers walks the form and re-reads each question's rules
for every response).

`validate(definition, answers, env)` returns exactly what `answers.validate_answers` returns. Each question is
compiled to a check of its type with its choice codes and bounds taken once; relevance rules shared by many
questions are evaluated once per distinct value of what they read; questions whose value needs the
expression engine (calculations, read-only defaults, choice filters) and rules that read other answers
(constraints, conditional required) go through the interpreter's own functions. A refusal is never worded
here: at the first problem the interpreter validates the response again and raises its AnswerErrors, with
every message it would have given.
"""

from __future__ import annotations

import threading

from . import expr
from .answers import (
    COMPUTED,
    _all_codes,
    _bounded,
    _date,
    _decimal,
    _empty,
    _integer,
    _Invalid,
    _labeller,
    _matrix,
    _rules,
    _text,
    _value,
    validate_answers,
)
from .form import Form, compiled

_REFUSED, _NONE = object(), object()  # a check's outcome: refused; no answer (empty)


def validate(definition: dict, answers, env: expr.Env | None = None) -> dict:
    """answers.validate_answers(definition, answers, env), compiled (see the module's docstring)."""
    if type(answers) is dict:
        clean = checker_of(definition).check(answers, env)
        if clean is not None:
            return clean
    return validate_answers(definition, answers, env)  # raises AnswerErrors with the interpreter's messages


class Checker:
    """The compiled checks of one Form, in its evaluation order."""

    def __init__(self, form: Form):
        self.form = form
        self.known = frozenset(code for code, q in form.by_code.items() if q["type"] != "note")
        self.document = tuple(q["code"] for q in form.questions)
        # (code, question, relevance rules, its check or None, whether its rules wait until every value is
        # known, whether a clean value must not be empty: required with no condition, of a type that can be)
        self.steps = []
        for code in form.order:
            q = form.by_code[code]
            if q["type"] == "note":
                continue
            check, rule = _check_of(q), q.get("required")
            deferred = check is None or isinstance(rule, str) or bool(q.get("constraint"))
            required = bool(rule) and not isinstance(rule, str)
            self.steps.append((code, q, tuple(form.chains[code]), check, deferred, required))

    def check(self, answers: dict, env: expr.Env | None) -> dict | None:
        """The clean answers, or None when any answer needs the interpreter's word (a refusal)."""
        if not self.known.issuperset(answers):
            return None
        env = expr.Env(today=(env or expr.Env()).today, now=(env or expr.Env()).now, choice_name=_labeller(self.form))
        values, relevance, later = {}, {}, []
        for code, q, chain, check, deferred, required in self.steps:
            if chain and not _relevant(chain, values, env, relevance):
                continue
            if check is None:
                outcome = _value(q, answers.get(code), values, env)
                if isinstance(outcome, str):
                    return None
                if outcome is not None:
                    values[code] = outcome[0]
            else:
                value = check(answers.get(code))
                if value is _NONE:
                    if required:
                        return None
                elif value is _REFUSED or (required and _empty(value)):
                    return None
                else:
                    values[code] = value
            if deferred:
                later.append(q)
        for q in later:
            if _rules(q, values, env):
                return None
        return {code: values[code] for code in self.document if code in values}


def _relevant(chain: tuple[str, ...], values: dict, env: expr.Env, outcomes: dict) -> bool:
    """form.Form.relevant, each rule evaluated once per response: a question comes after every question
    its rules read (form.Form._order), so what a rule reads is settled before its first use and stays so."""
    for text in chain:
        outcome = outcomes.get(text)
        if outcome is None:
            outcome = outcomes[text] = expr.check(text, values, None, env)
        if not outcome:
            return False
    return True


def _check_of(q: dict):
    """raw answer → clean value, _NONE (empty: no value) or _REFUSED, as answers._value and _coerce decide for
    a question whose value needs no expression; None for the others (answers._value decides them)."""
    kind = q["type"]
    if q.get("calculation") or q.get("read_only") or kind in COMPUTED or q.get("choice_filter"):
        return None
    if kind in ("single_choice", "satisfaction", "site"):
        return _choice(frozenset(_all_codes(q)) - {""})
    if kind == "multiple_choice":
        return _guarded(_multiple(q, _all_codes(q)))
    if kind == "matrix":
        return _guarded(lambda raw: _matrix(q, raw))
    if kind in ("integer", "rating"):
        return _guarded(lambda raw: _bounded(q, _integer(raw)))
    if kind == "decimal":
        return _guarded(lambda raw: _bounded(q, _decimal(raw)))
    if kind == "date":
        return _guarded(lambda raw: _date(q, raw))
    if kind == "photo":
        return None
    return _guarded(lambda raw: _text(q, raw))


def _choice(codes: frozenset[str]):
    """answers._choice without a choice filter; the common answer (a code) in one set lookup."""

    def check(raw):
        if type(raw) is str and raw in codes:
            return raw
        if _empty(raw):
            return _NONE
        return raw if isinstance(raw, str) and raw in codes else _REFUSED

    return check


def _multiple(q: dict, codes: tuple[str, ...]):
    """answers._choices without a choice filter."""
    offered, low, high = frozenset(codes), q.get("min"), q.get("max")

    def coerce(raw):
        if not isinstance(raw, list) or not all(isinstance(x, str) and x in offered for x in raw):
            raise _Invalid
        if len(set(raw)) != len(raw) or (low is not None and len(raw) < low) or (high is not None and len(raw) > high):
            raise _Invalid
        return [c for c in codes if c in raw]  # stored in definition order

    return coerce


def _guarded(coerce):
    def check(raw):
        if _empty(raw):
            return _NONE
        try:
            return coerce(raw)
        except _Invalid:
            return _REFUSED

    return check


_lock = threading.Lock()
_kept: dict[int, tuple[dict, Checker]] = {}
KEPT = 256


def checker_of(definition: dict) -> Checker:
    """The Checker of this definition object, compiled once while it lives, as form.compiled (a frozen
    version's definition is one shared dict per process: questionnaires.service.frozen_definition)."""
    entry = _kept.get(id(definition))
    if entry is not None and entry[0] is definition:
        return entry[1]
    checker = Checker(compiled(definition))
    with _lock:
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[id(definition)] = (definition, checker)
    return checker
