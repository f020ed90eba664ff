"""What the expression language's values mean: emptiness, numbers, dates in days, text, comparison,
arithmetic and the pure functions (instruments.expr walks the tree and calls these). static/js/expr.js
mirrors every rule; tests/instruments/expr_cases.json holds the cases both must agree on."""

from __future__ import annotations

import math
import re
from datetime import date

_NUMERIC = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EPOCH = date(1970, 1, 1).toordinal()


def empty(v) -> bool:
    return v is None or v == "" or v == [] or v == {}


def number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str) and _NUMERIC.match(v):
        return float(v) if "." in v else int(v)
    return None


def days(v):
    """A number, or a date counted in days since 1970-01-01 (arithmetic on dates, as in ODK)."""
    found = number(v)
    if found is None and isinstance(v, str):
        match = _DATE.match(v)
        if match:
            try:
                return date(*map(int, match.groups())).toordinal() - _EPOCH
            except ValueError:
                return None
    return found


def text(v) -> str:
    if empty(v):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return " ".join(text(x) for x in v)
    return str(v)


def truthy(v) -> bool:
    if empty(v):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0 and v == v
    return True


def equal(a, b) -> bool:
    if empty(a) or empty(b):
        return empty(a) and empty(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    na, nb = number(a), number(b)
    return na is not None and nb is not None and na == nb


def order(op, a, b) -> bool:
    if empty(a) or empty(b) or isinstance(a, (list, bool)) or isinstance(b, (list, bool)):
        return False
    if isinstance(a, str) and isinstance(b, str):
        pair = (a, b)
    else:
        pair = (days(a), days(b))
        if None in pair:
            return False
    x, y = pair
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _integral(x):
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 else x


def arith(op, a, b):
    x, y = days(a), days(b)
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
        return _integral(x / y)
    return math.fmod(x, y) if isinstance(x, float) or isinstance(y, float) else int(math.fmod(x, y))


def _pow(x, y):
    if x is None or y is None:
        return None
    try:
        result = float(x) ** y
    except (OverflowError, ZeroDivisionError):
        return None
    return _integral(result) if isinstance(result, float) and math.isfinite(result) else None


def _round(x, digits=0):
    if x is None or digits is None or not math.isfinite(x):
        return None
    factor = 10 ** max(-15, min(15, int(digits)))
    return _integral(math.floor(x * factor + 0.5) / factor)  # half up, the same in the browser


def _substr(string, start, end=None):
    chars = list(string)  # by code point, like Array.from in the browser
    if start is None:
        return ""
    start = max(int(start), 0)
    return "".join(chars[start:] if end is None else chars[start : max(int(end), start)])


def _regex(value, pattern) -> bool:
    if empty(value):
        return False
    try:
        return re.fullmatch(text(pattern), text(value)) is not None
    except re.error:
        return False


def _extreme(pick, args):
    numbers = [number(a) for a in args if not empty(a)]
    return None if not numbers or None in numbers else pick(numbers)


def _selected(value, code) -> bool:
    code = text(code)
    if isinstance(value, list):
        return code in [text(v) for v in value]
    return not empty(value) and code in text(value).split()


def _nth(value, index):
    items = value if isinstance(value, list) else text(value).split()
    index = number(index)
    return text(items[int(index)]) if index is not None and 0 <= index < len(items) else ""


_STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _format_date(value, pattern) -> str:
    """ODK's format-date(): %Y %y %m %n %b %d %e %a %H %h %M %S of a date or date-time; '' if not a date."""
    match = _STAMP.match(text(value))
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups()[:3])
    hour, minute, second = (int(g or 0) for g in match.groups()[3:])
    try:
        weekday = date(year, month, day).weekday()
    except ValueError:
        return ""
    codes = {
        "Y": f"{year:04d}",
        "y": f"{year % 100:02d}",
        "m": f"{month:02d}",
        "n": str(month),
        "b": _MONTHS[month - 1],
        "d": f"{day:02d}",
        "e": str(day),
        "a": _WEEKDAYS[weekday],
        "H": f"{hour:02d}",
        "h": str(hour),
        "M": f"{minute:02d}",
        "S": f"{second:02d}",
    }
    return re.sub(r"%(.)", lambda m: codes.get(m.group(1), m.group(0)), text(pattern))


PURE = {
    "not": lambda a: not truthy(a[0]),
    "selected": lambda a: _selected(a[0], a[1]),
    "count-selected": lambda a: len(a[0]) if isinstance(a[0], list) else len(text(a[0]).split()),
    "string-length": lambda a: len(text(a[0])),
    "regex": lambda a: _regex(a[0], a[1]),
    "coalesce": lambda a: a[1] if empty(a[0]) else a[0],
    "concat": lambda a: "".join(text(x) for x in a),
    "true": lambda a: True,
    "false": lambda a: False,
    "boolean": lambda a: truthy(a[0]),
    "boolean-from-string": lambda a: text(a[0]) in ("true", "1"),
    "number": lambda a: days(a[0]),
    "int": lambda a: None if days(a[0]) is None else int(days(a[0])),
    "round": lambda a: _round(number(a[0]), number(a[1]) if len(a) > 1 else 0),
    "floor": lambda a: None if number(a[0]) is None else math.floor(number(a[0])),
    "ceiling": lambda a: None if number(a[0]) is None else math.ceil(number(a[0])),
    "abs": lambda a: None if number(a[0]) is None else abs(number(a[0])),
    "pow": lambda a: _pow(number(a[0]), number(a[1])),
    "min": lambda a: _extreme(min, a),
    "max": lambda a: _extreme(max, a),
    "string": lambda a: text(a[0]),
    "substr": lambda a: _substr(text(a[0]), number(a[1]), number(a[2]) if len(a) > 2 else None),
    "contains": lambda a: text(a[1]) in text(a[0]),
    "starts-with": lambda a: text(a[0]).startswith(text(a[1])),
    "ends-with": lambda a: text(a[0]).endswith(text(a[1])),
    "normalize-space": lambda a: " ".join(text(a[0]).split()),
    "selected-at": lambda a: _nth(a[0], a[1]),
    "once": lambda a: a[0],
    "decimal-date-time": lambda a: days(a[0]),
    "format-date": lambda a: _format_date(a[0], a[1]),
    "format-date-time": lambda a: _format_date(a[0], a[1]),
}
