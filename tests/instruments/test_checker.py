"""The compiled checks (instruments.checker) accept, clean and refuse exactly as the interpreter
(answers.validate_answers) does: same clean answers, or the same AnswerErrors."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalplatform.instruments import xlsform
from evalplatform.instruments.answers import validate_answers
from evalplatform.instruments.checker import checker_of, validate
from evalplatform.instruments.expr import Env
from evalplatform.instruments.form import compiled
from evalplatform.instruments.schema import AnswerErrors, choices_of
from evalplatform.instruments.service import list_templates, load_template
from tests.questionnaires.xlsform_corpus import CORPUS, to_xlsx

TODAY = Env(today="2025-06-12", now="2025-06-12T10:00:00+08:00")
TEMPLATES = [t["name"] if isinstance(t, dict) else t for t in list_templates()]


def definitions():
    found = {name: load_template(name) for name in TEMPLATES}
    for name, form in CORPUS.items():
        try:
            found[name] = xlsform.import_xlsform(to_xlsx(form)).definition
        except Exception:  # noqa: BLE001 — the corpus holds forms broken on purpose
            continue
    return found


DEFINITIONS = definitions()
ODD = st.sampled_from([None, "", [], {}, "zz", 0, -3, 7, 10**16, 2.5, "12", " 3 ", "2025-06-01", "2025-13-01", True])


def outcome(check, definition, answers):
    try:
        return "clean", check(definition, answers, TODAY)
    except AnswerErrors as error:
        return "refused", error.errors


def plausible(q: dict, codes: list[str], items: list[str]):
    """An answer a respondent's page would send for this question."""
    kind = q["type"]
    if kind == "multiple_choice":
        return st.lists(st.sampled_from(codes), min_size=1, max_size=len(codes), unique=True)
    if kind == "matrix":
        return st.fixed_dictionaries({item: st.sampled_from(codes) for item in items})
    if kind in ("integer", "rating", "decimal"):
        low, high = q.get("min", 0), q.get("max", 100)
        low, high = (low, high) if isinstance(low, int) and isinstance(high, int) and low <= high else (0, 100)
        return st.integers(low, high) | (st.floats(low, high, allow_nan=False) if kind == "decimal" else st.nothing())
    if kind == "date":
        return st.sampled_from(["2025-06-01", "2024-01-31"])
    if kind in ("text", "photo"):
        return st.sampled_from(["刚搬来", "x" * 3]) if kind == "text" else st.just(["abc"])
    return st.sampled_from(codes)


@st.composite
def responses(draw, definition):
    """Answers for a random subset of the questions: plausible ones (most responses then pass), or anything."""
    answers, careful = {}, draw(st.booleans())
    for q in compiled(definition).questions:
        if draw(st.integers(0, 9)) < (0 if careful else 2):
            continue
        codes = [c["code"] for c in choices_of(q)] or ["1"]
        items = [i["code"] for i in q.get("items", [])] or ["a"]
        if careful and draw(st.integers(0, 29)) > 0:
            answers[q["code"]] = draw(plausible(q, codes, items))
            continue
        answers[q["code"]] = draw(
            st.sampled_from(codes)
            | st.lists(st.sampled_from(codes), max_size=4)
            | st.dictionaries(st.sampled_from(items), st.sampled_from([*codes, "", "x"]), max_size=len(items))
            | st.integers(-5, 200)
            | st.text(max_size=12)
            | ODD
        )
    if draw(st.integers(0, 19)) == 0:
        answers["no_such_question"] = "1"
    return answers


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_compiled_checks_agree_with_the_interpreter(name, data):
    definition = DEFINITIONS[name]
    answers = data.draw(responses(definition))
    assert outcome(validate, definition, answers) == outcome(validate_answers, definition, answers)


def test_a_valid_response_is_settled_by_the_compiled_checks_alone():
    definition = load_template("satisfaction-rural-road")
    answers = {"gender": "1", "age_group": "3", "identity": "1", "aware": "1", "attention": "4", "sat_overall": "4"}
    answers.update({f"sat{i:02d}": "5" for i in range(1, 11)})
    clean = checker_of(definition).check(answers, TODAY)
    assert clean is not None and clean == validate_answers(definition, answers, TODAY)
    assert checker_of(definition) is checker_of(definition)  # compiled once per definition object
