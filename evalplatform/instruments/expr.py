"""A small, safe expression language for relevance, constraints, calculations and choice filters.

The XPath 1.0 subset that XLSForms use. Tokenised and parsed here, walked by `evaluate` (what values mean is in expr_values); never `eval`.
static/js/expr.js is the same language in the browser; tests/instruments/expr_cases.json holds cases that
both must agree on.

    ${age} >= 18 and (${q3} = '2' or selected(${q4}, 'other'))
    . >= 0 and . <= 120                       ('.' is the answer being checked, in constraints)
    if(${n} > 0, ${total} div ${n}, 0)        (calculations)
    township = ${township}                    (choice filters: bare names are the choice's columns)

Operators: or, and, = != < <= > >=, + - * div mod, unary -. Functions: see FUNCTIONS. Literals: numbers,
'…' or "…" strings. An empty answer is null: null = '' is true, any ordering comparison with null is false,
arithmetic gives null. A date 'YYYY-MM-DD' in arithmetic counts days since 1970-01-01, so
`today() - ${birth}` is a number of days, as in ODK.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable

from . import expr_values as values_
from .expr_values import truthy

MAX_LENGTH = 4000
MAX_DEPTH = 40
MANY = None  # no upper bound on the number of arguments
# name: (fewest, most) arguments
FUNCTIONS = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "regex": (2, 2),
    "not": (1, 1),
    "if": (3, 3),
    "coalesce": (2, 2),
    "concat": (1, MANY),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "boolean-from-string": (1, 1),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "pow": (2, 2),
    "min": (1, MANY),
    "max": (1, MANY),
    "string": (1, 1),
    "substr": (2, 3),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "normalize-space": (1, 1),
    "selected-at": (2, 2),
    "today": (0, 0),
    "now": (0, 0),
    "once": (1, 1),
    "jr:choice-name": (2, 2),
    "decimal-date-time": (1, 1),
    "format-date": (2, 2),
    "format-date-time": (2, 2),
}
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$\{[^{}\s]+\})
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,|\.)
  | (?P<word>[A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z_][A-Za-z0-9_-]*)?)
)""",
    re.VERBOSE,
)
NAME_RE = re.compile(r"^[A-Za-z_\u00c0-\uffff][\w.\-\u00c0-\uffff]{0,99}$")


class ExpressionError(ValueError):
    """The expression text is not valid; the message says where."""


@dataclass
class Env:
    """What an expression may read besides the answers: the clock, choice labels, the choice being filtered."""

    today: str | None = None  # 'YYYY-MM-DD' (the respondent's date, see answers.py)
    now: str | None = None  # ISO date-time
    choice_name: Callable[[str, object], str] | None = None  # (question code, choice code) → label
    choice: dict = field(default_factory=dict)  # the choice's columns, by bare name (choice filters)


def tokenize(text: str) -> list[tuple[str, object]]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"unexpected character at {pos + 1}: {text[pos : pos + 10]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "ref":
            value = value[2:-1]
            if not NAME_RE.match(value):
                raise ExpressionError(f"invalid name ${{{value}}}")
        elif kind == "num":
            value = float(value) if "." in value else int(value)
        elif kind == "str":
            value = value[1:-1]
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens, names: bool):
        self.tokens, self.i, self.depth, self.names = tokens, 0, 0, names

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            want = value if value is not None else kind
            raise ExpressionError(f"expected {want} at token {self.i + 1}")
        self.i += 1
        return tok

    def at(self, kind, *values):
        tok = self.peek()
        return tok[0] == kind and (not values or tok[1] in values)

    def deeper(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression nested too deeply")

    def binary(self, next_level, kind, ops):
        left = next_level()
        while self.at(kind, *ops):
            op = self.take()[1]
            left = ["bin", op, left, next_level()]
        return left

    def expr(self):
        self.deeper()
        node = self.binary(self.and_, "word", ("or",))
        self.depth -= 1
        return node

    def and_(self):
        return self.binary(self.cmp, "word", ("and",))

    def cmp(self):
        left = self.add()
        if self.at("op", "=", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            return ["bin", op, left, self.add()]
        return left

    def add(self):
        return self.binary(self.mul, "op", ("+", "-"))

    def mul(self):
        left = self.unary()
        while self.at("op", "*") or self.at("word", "div", "mod"):
            op = self.take()[1]
            left = ["bin", op, left, self.unary()]
        return left

    def unary(self):
        if self.at("op", "-"):
            self.take()
            self.deeper()
            node = ["neg", self.unary()]
            self.depth -= 1
            return node
        return self.primary()

    def primary(self):
        kind, value = self.peek()
        if kind in ("num", "str", "ref"):
            self.take()
            return [kind, value]
        if kind == "op" and value == ".":
            self.take()
            return ["cur"]
        if kind == "op" and value == "(":
            self.take()
            node = self.expr()
            self.take("op", ")")
            return node
        if (
            kind == "word"
            and value in FUNCTIONS
            and self.i + 1 < len(self.tokens)
            and self.tokens[self.i + 1] == ("op", "(")
        ):
            return self.call()
        if (
            kind == "word"
            and self.names
            and value not in ("and", "or", "div", "mod")
            and not (self.i + 1 < len(self.tokens) and self.tokens[self.i + 1] == ("op", "("))
        ):
            self.take()
            return ["name", value]
        raise ExpressionError(f"unexpected {value!r} at token {self.i + 1}" if kind else "unexpected end")

    def call(self):
        name = self.take()[1]
        self.take("op", "(")
        args = []
        if not self.at("op", ")"):
            args.append(self.expr())
            while self.at("op", ","):
                self.take()
                args.append(self.expr())
        self.take("op", ")")
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise ExpressionError(
                f"{name}() takes {low}{'' if high == low else '+' if high is None else f'–{high}'} argument(s)"
            )
        return ["call", name, args]


def parse(text: str, names: bool = False) -> list:
    """Parse to a small JSON-able tree; raises ExpressionError. `names`: bare words are choice columns."""
    parser = _Parser(tokenize(text), names)
    if not parser.tokens:
        raise ExpressionError("empty expression")
    node = parser.expr()
    if parser.i != len(parser.tokens):
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} at token {parser.i + 1}")
    return node


def _walk(node):
    yield node
    if node[0] == "bin":
        yield from _walk(node[2])
        yield from _walk(node[3])
    elif node[0] == "neg":
        yield from _walk(node[1])
    elif node[0] == "call":
        for arg in node[2]:
            yield from _walk(arg)


def references(node) -> set[str]:
    """Question names an expression reads (to check they exist and to order the evaluation).
    jr:choice-name(v, '${q}') names q inside a string, so q counts as read too."""
    found = set()
    for n in _walk(node):
        if n[0] == "ref":
            found.add(n[1])
        elif n[0] == "call" and n[1] == "jr:choice-name" and n[2][1][0] == "str":
            match = re.fullmatch(r"\s*\$\{([^{}\s]+)\}\s*", n[2][1][1])
            if match:
                found.add(match.group(1))
    return found


def functions_used(node) -> set[str]:
    return {n[1] for n in _walk(node) if n[0] == "call"}


def _choice_name(env: Env, value, ref):
    match = re.fullmatch(r"\s*\$\{([^{}\s]+)\}\s*", values_.text(ref))
    if env.choice_name is None or not match or values_.empty(value):
        return values_.text(value)
    return env.choice_name(match.group(1), values_.text(value))


def _call(name, node_args, values, current, env: Env):
    if name == "if":  # only the branch taken is evaluated
        test = truthy(evaluate(node_args[0], values, current, env))
        return evaluate(node_args[1 if test else 2], values, current, env)
    args = [evaluate(a, values, current, env) for a in node_args]
    if name == "today":
        return env.today
    if name == "now":
        return env.now
    if name == "jr:choice-name":
        return _choice_name(env, args[0], args[1])
    try:
        return values_.PURE[name](args)
    except (ArithmeticError, ValueError):  # inf or nan reaching int(), floor(): no value, as in the browser
        return None


_NO_ENV = Env()


def evaluate(node, values: dict, current=None, env: Env | None = None):
    """Value of a parsed expression given values by question name, the current answer and the Env."""
    env = env or _NO_ENV
    kind = node[0]
    if kind in ("num", "str"):
        return node[1]
    if kind == "ref":
        return values.get(node[1])
    if kind == "name":
        return env.choice.get(node[1])
    if kind == "cur":
        return current
    if kind == "neg":
        x = values_.number(evaluate(node[1], values, current, env))
        return None if x is None else -x
    if kind == "call":
        return _call(node[1], node[2], values, current, env)
    op = node[1]
    if op == "or":
        return truthy(evaluate(node[2], values, current, env)) or truthy(evaluate(node[3], values, current, env))
    if op == "and":
        return truthy(evaluate(node[2], values, current, env)) and truthy(evaluate(node[3], values, current, env))
    a, b = evaluate(node[2], values, current, env), evaluate(node[3], values, current, env)
    if op == "=":
        return values_.equal(a, b)
    if op == "!=":
        return not values_.equal(a, b)
    if op in ("<", "<=", ">", ">="):
        return values_.order(op, a, b)
    return values_.arith(op, a, b)


def check(text: str, values: dict, current=None, env: Env | None = None) -> bool:
    """Parse and evaluate to a boolean (relevance is shown / constraint is met)."""
    return truthy(evaluate(parsed(text), values, current, env))


@functools.lru_cache(maxsize=4096)
def parsed(text: str, names: bool = False) -> list:
    """parse(), remembered: every response re-checks the same few expressions (trees are never mutated)."""
    return parse(text, names)


_parsed = parsed
