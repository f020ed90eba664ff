"""The browser's expression evaluator (static/js/expr.js) agrees with the server's on every shared case."""

from pathlib import Path

from tests.instruments.test_expressions import CASES, run_case

EXPR_JS = Path(__file__).resolve().parents[2] / "evalplatform" / "static" / "js" / "expr.js"

RUN_ALL = """([cases, values]) => cases.map(c => {
  const env = Object.assign({choice: c.choice || {}}, c.env || {});
  try { return {value: EvalExpr.evaluate(EvalExpr.parse(c.expr, !!c.names), values, c.current === undefined ? null : c.current, env)}; }
  catch (e) { if (e instanceof EvalExpr.ExpressionError) return {error: true}; throw e; }
})"""


def test_javascript_and_python_evaluate_every_case_alike(page):
    page.goto("about:blank")
    page.add_script_tag(content=EXPR_JS.read_text(encoding="utf-8"))
    browser_results = page.evaluate(RUN_ALL, [CASES["cases"], CASES["values"]])
    for case, in_browser in zip(CASES["cases"], browser_results, strict=True):
        expected = {"error": True} if case.get("error") else {"value": case["expect"]}
        assert in_browser == expected, (case["expr"], in_browser)
        assert run_case(case) == expected, case["expr"]
