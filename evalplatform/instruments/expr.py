"""A small, safe expression language for relevance (skip logic) and constraints.

Tokenised and parsed here, walked by `evaluate`; never `eval`. static/js/expr.js is the same language in
the browser; tests/instruments/expr_cases.json holds cases that both must agree on.

    ${age} >= 18 and (${q3} = '2' or selected(${q4}, 'other'))
    . >= 0 and . <= 120          ('.' is the answer being checked, in constraints)

Operators: or, and, = != < <= > >=, + - * div mod, unary -. Functions: selected(v, code),
count-selected(v), string-length(v), regex(v, pattern), not(v). Literals: numbers, '…' or "…" strings.
An empty answer is null: null = '' is true, any ordering comparison with null is false, arithmetic gives null.
"""
from __future__ import annotations

import functools
import math
import re

MAX_LENGTH = 1000
MAX_DEPTH = 40
FUNCTIONS = {"selected": 2, "count-selected": 1, "string-length": 1, "regex": 2, "not": 1}
_TOKEN = re.compile(r"""\s*(?:
    (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,|\.)
  | (?P<word>[A-Za-z][A-Za-z-]*)
)""", re.VERBOSE)
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")


class ExpressionError(ValueError):
    """The expression text is not valid; the message says where."""


def tokenize(text: str) -> list[tuple[str, object]]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"unexpected character at {pos + 1}: {text[pos:pos + 10]!r}")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "ref":
            value = value[2:-1]
        elif kind == "num":
            value = float(value) if "." in value else int(value)
        elif kind == "str":
            value = value[1:-1]
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.i, self.depth = tokens, 0, 0

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

    def binary(self, next_level, kind, ops):
        left = next_level()
        while self.at(kind, *ops):
            op = self.take()[1]
            left = ["bin", op, left, next_level()]
        return left

    def expr(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression nested too deeply")
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
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("expression nested too deeply")
            node = ["neg", self.unary()]
            self.depth -= 1
            return node
        return self.primary()

    def primary(self):
        kind, value = self.peek()
        if kind == "num":
            self.take()
            return ["num", value]
        if kind == "str":
            self.take()
            return ["str", value]
        if kind == "ref":
            self.take()
            return ["ref", value]
        if kind == "op" and value == ".":
            self.take()
            return ["cur"]
        if kind == "op" and value == "(":
            self.take()
            node = self.expr()
            self.take("op", ")")
            return node
        if kind == "word" and value in FUNCTIONS:
            return self.call()
        raise ExpressionError(f"unexpected {value!r} at token {self.i + 1}" if kind else "unexpected end")

    def call(self):
        name = self.take()[1]
        self.take("op", "(")
        args = [self.expr()]
        while self.at("op", ","):
            self.take()
            args.append(self.expr())
        self.take("op", ")")
        if len(args) != FUNCTIONS[name]:
            raise ExpressionError(f"{name}() takes {FUNCTIONS[name]} argument(s)")
        return ["call", name, args]


def parse(text: str) -> list:
    """Parse to a small JSON-able tree; raises ExpressionError."""
    parser = _Parser(tokenize(text))
    if not parser.tokens:
        raise ExpressionError("empty expression")
    node = parser.expr()
    if parser.i != len(parser.tokens):
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} at token {parser.i + 1}")
    return node


def references(node) -> set[str]:
    """Question codes an expression reads (to check they exist and come earlier)."""
    if node[0] == "ref":
        return {node[1]}
    if node[0] == "bin":
        return references(node[2]) | references(node[3])
    if node[0] == "neg":
        return references(node[1])
    if node[0] == "call":
        return set().union(*(references(a) for a in node[2]))
    return set()


def _empty(v) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str) and _NUMERIC.match(v):
        return float(v) if "." in v else int(v)
    return None


def _text(v) -> str:
    if _empty(v):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return " ".join(_text(x) for x in v)
    return str(v)


def truthy(v) -> bool:
    if _empty(v):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    return True


def _equal(a, b) -> bool:
    if _empty(a) or _empty(b):
        return _empty(a) and _empty(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    na, nb = _number(a), _number(b)
    return na is not None and nb is not None and na == nb


def _order(op, a, b) -> bool:
    if _empty(a) or _empty(b) or isinstance(a, (list, bool)) or isinstance(b, (list, bool)):
        return False
    if isinstance(a, str) and isinstance(b, str):
        pair = (a, b)
    else:
        pair = (_number(a), _number(b))
        if None in pair:
            return False
    x, y = pair
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _arith(op, a, b):
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return None
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        return None
    if op == "div":
        result = x / y
        return int(result) if result.is_integer() else result
    return math.fmod(x, y) if isinstance(x, float) or isinstance(y, float) else int(math.fmod(x, y))


def _call(name, args):
    if name == "not":
        return not truthy(args[0])
    if name == "selected":
        value, code = args[0], _text(args[1])
        if isinstance(value, list):
            return code in [_text(v) for v in value]
        return not _empty(value) and _text(value) == code
    if name == "count-selected":
        value = args[0]
        return len(value) if isinstance(value, list) else (0 if _empty(value) else 1)
    if name == "string-length":
        return len(_text(args[0]))
    if name == "regex":
        if _empty(args[0]):
            return False
        try:
            return re.fullmatch(_text(args[1]), _text(args[0])) is not None
        except re.error:
            return False
    raise ExpressionError(f"unknown function {name}")


def evaluate(node, values: dict, current=None):
    """Value of a parsed expression given answers by question code and the current answer."""
    kind = node[0]
    if kind in ("num", "str"):
        return node[1]
    if kind == "ref":
        return values.get(node[1])
    if kind == "cur":
        return current
    if kind == "neg":
        x = _number(evaluate(node[1], values, current))
        return None if x is None else -x
    if kind == "call":
        return _call(node[1], [evaluate(a, values, current) for a in node[2]])
    op = node[1]
    if op == "or":
        return truthy(evaluate(node[2], values, current)) or truthy(evaluate(node[3], values, current))
    if op == "and":
        return truthy(evaluate(node[2], values, current)) and truthy(evaluate(node[3], values, current))
    a, b = evaluate(node[2], values, current), evaluate(node[3], values, current)
    if op == "=":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in ("<", "<=", ">", ">="):
        return _order(op, a, b)
    return _arith(op, a, b)


def check(text: str, values: dict, current=None) -> bool:
    """Parse and evaluate to a boolean (relevance is shown / constraint is met)."""
    return truthy(evaluate(_parsed(text), values, current))


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> list:
    """parse(), remembered: every response re-checks the same few expressions (trees are never mutated)."""
    return parse(text)
