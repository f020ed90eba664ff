"""The expression language in Python; tests/e2e/test_expr_js.py runs the same cases in the browser."""

import json
from pathlib import Path

import pytest

from evalplatform.instruments import expr

CASES = json.loads((Path(__file__).parent / "expr_cases.json").read_text(encoding="utf-8"))


def run_case(case):
    env = expr.Env(**case.get("env", {}), choice=case.get("choice", {}))
    try:
        return {
            "value": expr.evaluate(
                expr.parse(case["expr"], case.get("names", False)), CASES["values"], case.get("current"), env
            )
        }
    except expr.ExpressionError:
        return {"error": True}


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["expr"][:40] for c in CASES["cases"]])
def test_shared_case(case):
    result = run_case(case)
    if case.get("error"):
        assert result == {"error": True}
    else:
        assert result == {"value": case["expect"]}


def test_parsing_never_evaluates_python():
    with pytest.raises(expr.ExpressionError):
        expr.parse("__import__('os').system('true')")


def test_references_lists_the_questions_read():
    assert expr.references(expr.parse("${a} = 1 and selected(${b}, 'x') or -${c} > 2")) == {"a", "b", "c"}


def test_very_long_expressions_are_refused():
    with pytest.raises(expr.ExpressionError):
        expr.parse("1 + " * 1001 + "1")
