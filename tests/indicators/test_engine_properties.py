"""Property: for any valid tree and inputs, every score lies in [0, points] and the total in [0, 100]."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from evalplatform.indicators import engine
from evalplatform.indicators.engine import Node, Rule

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def leaf_scores(draw, points: D):
    method = draw(st.sampled_from(engine.METHODS))
    target = draw(amounts)
    params, inputs, actual = {}, {}, draw(st.one_of(st.none(), amounts))
    if method == "formula":
        params["formula"] = draw(st.sampled_from(sorted(engine.FORMULAS)))
        keys = engine.FORMULAS[params["formula"]][1]
        inputs = {k: draw(amounts.filter(lambda v: v > 0)) for k in keys}
    elif method == "qualitative_bands":
        inputs["band"] = draw(st.sampled_from(sorted(engine.BANDS)))
        low, high = engine.BANDS[inputs["band"]]
        actual = engine.half_up(points * draw(st.decimals(min_value=low, max_value=high, places=3)))
        actual = min(max(actual, engine.half_up(low * points, engine.CENT)), points)
    elif method == "elements":
        params["elements"] = [
            {"name": str(i), "weight": draw(st.integers(1, 5))} for i in range(draw(st.integers(1, 5)))
        ]
        inputs["met"] = draw(st.lists(st.sampled_from([e["name"] for e in params["elements"]]), unique=True))
    elif method == "deduction":
        inputs["deductions"] = draw(st.lists(amounts, max_size=4))
    elif method == "manual":
        actual = engine.half_up(points * draw(st.decimals(min_value=0, max_value=1, places=3)))
    if draw(st.booleans()):
        params.update(
            too_low_ratio=draw(st.decimals(min_value=1, max_value=3, places=1)),
            too_low_deduction=draw(st.decimals(min_value=0, max_value=20, places=1)),
        )
    operator = draw(st.sampled_from(["ge", "le", "eq"]))
    rule = Rule(method, points, operator, target, params)
    try:
        return engine.score_indicator(rule, actual, inputs)
    except engine.ScoringError as error:  # only the refusals the engine documents
        assert "band" in inputs or "分母为 0" in str(error)
        return None


@st.composite
def trees(draw):
    shape = draw(st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=3), min_size=1, max_size=4))
    count = sum(n for level1 in shape for n in level1)
    weights = draw(st.lists(st.integers(1, 20), min_size=count, max_size=count))
    cents = [10000 * w // sum(weights) for w in weights]
    cents[-1] += 10000 - sum(cents)
    leaf_points = iter(D(c) / 100 for c in cents)
    nodes, key = [], 0
    for l1 in shape:
        l1_key, l1_nodes = key, []
        key += 1
        for l2 in l1:
            l2_key = key
            key += 1
            leaves = []
            for _ in range(l2):
                points = next(leaf_points)
                leaves.append(Node(key, l2_key, 3, f"L{key}", points, draw(leaf_scores(points)), draw(st.booleans())))
                key += 1
            l1_nodes.append(Node(l2_key, l1_key, 2, f"B{l2_key}", sum(n.points for n in leaves)))
            l1_nodes.extend(leaves)
        nodes.append(Node(l1_key, None, 1, f"T{l1_key}", sum(n.points for n in l1_nodes if n.level == 2)))
        nodes.extend(l1_nodes)
    return nodes


@settings(max_examples=100, deadline=None)
@given(trees())
def test_scores_stay_within_points_and_the_total_within_0_and_100(nodes):
    for node in nodes:
        if node.level == 3 and node.score is not None:
            assert 0 <= node.score <= node.points
    result = engine.score_tree(nodes)
    assert D(0) <= result.total <= D(100)
    assert result.total == engine.half_up(result.total, engine.TENTH)
