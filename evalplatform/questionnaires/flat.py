"""A response's answers stored flat beside the JSON document (response.answers_flat, migration 0016), so that
the analysis reads its columns without taking each answer out of the jsonb (docs/performance.md, "Survey
analysis from the database"; docs/questionnaires.md, "How responses are stored").

The form: the version's string answer columns (`flat_layout`: answer_columns order, the types whose answers
are JSON strings), each the answer as stored, "" for none and EMPTY for an empty string (a blank text answer
is stored as one), joined by SEPARATOR. One function makes it from the version's definition and the clean
answers, `flat_answers`, and every writer of a response calls it (the full path and the fast lane through
service.sealed_row, migration 0016's backfill, the benches). A response whose answers the form cannot hold
exactly gets NULL and is read from the JSON as before: an answer that is not a string where a string is
expected, or one containing SEPARATOR or EMPTY.
"""

from __future__ import annotations

from itertools import repeat

from ..instruments.schema import answer_columns

SEPARATOR = "\x1f"  # ASCII unit separator
EMPTY = "\x1e"  # ASCII record separator: the field of an empty string (an empty field is no answer)
# Answers stored as JSON strings: what the flat form holds (and what exports extracts as text).
STRING_ANSWERS = ("single_choice", "satisfaction", "matrix", "text", "date", "site")

# Runs of the flat columns: (None, codes of consecutive single questions) or (matrix code, its item codes).
FlatLayout = tuple[tuple[str | None, tuple[str, ...]], ...]


def flat_columns(definition: dict) -> list[str]:
    """The answer columns a version's flat text holds, in its order ("<code>" or "<code>.<item>")."""
    return [column for column, question, _item in answer_columns(definition) if question["type"] in STRING_ANSWERS]


def flat_layout(definition: dict) -> FlatLayout:
    """flat_columns as runs (FlatLayout), made once per definition object: frozen definitions are cached and
    shared (service.frozen_definition), so the intake pays this once per version and process."""
    entry = _layouts.get(id(definition))
    if entry is None or entry[0] is not definition:
        if len(_layouts) >= LAYOUTS_KEPT:
            _layouts.clear()
        runs: list[tuple[str | None, list[str]]] = []
        for _column, question, item in answer_columns(definition):
            if question["type"] not in STRING_ANSWERS:
                continue
            owner, code = (question["code"], item["code"]) if item else (None, question["code"])
            if runs and runs[-1][0] == owner:
                runs[-1][1].append(code)
            else:
                runs.append((owner, [code]))
        entry = _layouts[id(definition)] = (definition, tuple((owner, tuple(codes)) for owner, codes in runs))
    return entry[1]


_layouts: dict[int, tuple[dict, FlatLayout]] = {}
LAYOUTS_KEPT = 1000


def flat_answers(definition: dict, answers: dict) -> str | None:
    """The flat text of `answers` (clean, as stored) under its version's `definition`; None when the form
    cannot hold them exactly (see the module's docstring)."""
    # The intake calls this for every response: the common case (no empty string) joins the answers as they
    # are, each missing one read as "" (dict.get's default, through map: no Python loop per answer).
    cells: list = []
    for owner, codes in flat_layout(definition):
        if owner is None:
            cells += map(answers.get, codes, repeat(""))
            continue
        value = answers.get(owner)
        if value is None:
            cells += repeat("", len(codes))
        elif type(value) is dict:
            if "" in value.values():
                return _with_empty_strings(definition, answers)
            cells += map(value.get, codes, repeat(""))
        else:
            return None
    if "" in answers.values():
        return _with_empty_strings(definition, answers)
    try:
        text = SEPARATOR.join(cells)
    except TypeError:  # not a string (or a JSON null)
        return None
    if text.count(SEPARATOR) != len(cells) - 1 or EMPTY in text:  # an answer held either mark
        return None
    return text


def _with_empty_strings(definition: dict, answers: dict) -> str | None:
    """flat_answers when some answer is an empty string (EMPTY marks it)."""
    cells: list = []
    for owner, codes in flat_layout(definition):
        value = answers if owner is None else answers.get(owner)
        if value is None:
            cells += repeat(None, len(codes))
        elif type(value) is dict:
            cells += map(value.get, codes)
        else:
            return None
    empty = cells.count("")
    cells = [EMPTY if cell == "" else cell for cell in cells]
    try:
        text = SEPARATOR.join(["" if cell is None else cell for cell in cells])
    except TypeError:  # not a string
        return None
    if text.count(SEPARATOR) != len(cells) - 1 or text.count(EMPTY) != empty:  # an answer held either mark
        return None
    return text
