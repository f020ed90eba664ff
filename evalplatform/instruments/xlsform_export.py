"""Our instrument definition as an XLSForm that pyxform, ODK and KoboToolbox read; import → export → import
gives the same definition (tests/questionnaires/test_xlsform_corpus.py).

Imported forms keep their groups (a question's `group` chain becomes begin/end group rows); a definition
made here writes each section as a `field-list` group. Matrices become `table-list` groups of select_one.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .schema import SATISFACTION_CHOICES, choices_of

TEXT_KEYS = ("label", "hint", "constraint_message", "required_message")
LOGIC_KEYS = (
    "required",
    "relevant",
    "constraint",
    "calculation",
    "default",
    "read_only",
    "appearance",
    "choice_filter",
    "parameters",
)
TYPES = {
    "single_choice": "select_one",
    "site": "select_one",
    "satisfaction": "select_one",
    "multiple_choice": "select_multiple",
    "photo": "image",
}


class _Sheets:
    """Rows of the three sheets being written, and the choice lists already written."""

    def __init__(self, definition: dict):
        self.base = definition.get("language") or ""
        self.others = list(definition.get("languages") or [])
        self.survey: list[dict] = []
        self.choices: list[dict] = []
        self.lists: dict[str, list] = {}
        self.taken = {q["code"] for s in definition["sections"] for q in s["questions"]}

    def text_columns(self, key: str) -> list[str]:
        return [key if not self.base else f"{key}::{self.base}"] + [f"{key}::{lang}" for lang in self.others]

    def texts(self, item: dict, keys=TEXT_KEYS, source: dict | None = None) -> dict:
        """{column: text} for the base language and every translation of the item."""
        row = {}
        for key in keys:
            columns = self.text_columns(key)
            name = (source or {}).get(key, key)
            if item.get(name):
                row[columns[0]] = item[name]
            for lang, column in zip(self.others, columns[1:]):
                value = (item.get("translations") or {}).get(lang, {}).get(name)
                if value:
                    row[column] = value
        return row

    def add_list(self, preferred: str, choices: list[dict]) -> str:
        name = preferred
        clean = [{k: v for k, v in c.items()} for c in choices]
        n = 1
        while name in self.lists and self.lists[name] != clean:
            n += 1
            name = f"{preferred}_{n}"
        if name not in self.lists:
            self.lists[name] = clean
            for choice in clean:
                row = {"list_name": name, "name": choice["code"], **self.texts(choice, ("label",))}
                if choice.get("no_opinion") or ("score" in choice and choice["score"] is None):
                    row["scale"] = "no_opinion"
                elif choice.get("score") is not None:
                    row["scale"] = _number(choice["score"])
                row.update(choice.get("filter") or {})
                self.choices.append(row)
        return name

    def group_name(self, code: str) -> str:
        name, n = code, 1
        while name in self.taken:
            n += 1
            name = f"{code}_{n}"
        self.taken.add(name)
        return name


def _number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def export_xlsform(definition: dict) -> bytes:
    """survey, choices and settings sheets."""
    sheets = _Sheets(definition)
    if "groups" in definition:
        _grouped(definition, sheets)
    else:
        for section in definition["sections"]:
            sheets.survey.append(
                {
                    "type": "begin group",
                    "name": sheets.group_name(section.get("code") or "s"),
                    **sheets.texts(section, ("label",), {"label": "title"}),
                    "relevant": section.get("relevant", ""),
                    "appearance": "field-list",
                }
            )
            for q in section["questions"]:
                sheets.survey.extend(_question_rows(q, sheets))
            sheets.survey.append({"type": "end group"})
    return _workbook(definition, sheets)


def _chain(code: str | None, groups: dict) -> list[str]:
    chain = []
    while code and code in groups and code not in chain:
        chain.insert(0, code)
        code = groups[code].get("parent")
    return chain


def _grouped(definition: dict, sheets: _Sheets) -> None:
    groups = {g["code"]: g for g in definition.get("groups") or []}
    sheets.taken |= set(groups)
    open_chain: list[str] = []
    for section in definition["sections"]:
        for q in section["questions"]:
            chain = _chain(q.get("group"), groups)
            common = 0
            while common < min(len(chain), len(open_chain)) and chain[common] == open_chain[common]:
                common += 1
            for _code in open_chain[common:]:
                sheets.survey.append({"type": "end group"})
            for code in chain[common:]:
                group = groups[code]
                sheets.survey.append(
                    {
                        "type": "begin group",
                        "name": code,
                        **sheets.texts(group, ("label",)),
                        **{k: group[k] for k in ("relevant", "appearance") if group.get(k)},
                    }
                )
            open_chain = chain
            sheets.survey.extend(_question_rows(q, sheets))
    for _code in open_chain:
        sheets.survey.append({"type": "end group"})


def _question_rows(q: dict, sheets: _Sheets) -> list[dict]:
    kind = q["type"]
    row = {"type": TYPES.get(kind, kind), "name": q["code"], **sheets.texts(q), **_logic(q)}
    if kind in ("single_choice", "multiple_choice", "satisfaction", "site"):
        preferred = "satisfaction5" if kind == "satisfaction" else q.get("list_name") or f"list_{q['code']}"
        row["type"] += " " + sheets.add_list(preferred, choices_of(q))
    elif kind == "matrix":
        return _matrix_rows(q, sheets)
    elif kind in ("rating", "integer", "decimal") and (q.get("min") is not None or q.get("max") is not None):
        row["type"] = "integer" if kind == "rating" else kind
        bounds = [f". >= {q.get('min', 0)}"] if q.get("min") is not None or kind == "rating" else []
        bounds += [f". <= {q['max']}"] if q.get("max") is not None else []
        row["constraint"] = " and ".join(([f"({q['constraint']})"] if q.get("constraint") else []) + bounds)
    return [row]


def _logic(q: dict) -> dict:
    row = {}
    for key in LOGIC_KEYS:
        value = q.get(key)
        if value is True:
            row[key] = "yes"
        elif value not in (None, "", False):
            row[key] = value
    if q.get("randomize"):
        row["parameters"] = "randomize=true"
    return row


def _matrix_rows(q: dict, sheets: _Sheets) -> list[dict]:
    list_name = sheets.add_list(
        "satisfaction5" if not q.get("choices") else f"list_{q['code']}",
        choices_of(q) if q.get("choices") else SATISFACTION_CHOICES,
    )
    rows = [
        {
            "type": "begin group",
            "name": sheets.group_name(q["code"]),
            **sheets.texts(q, ("label",)),
            "relevant": q.get("relevant", ""),
            "appearance": "table-list",
        }
    ]
    rows += [
        {
            "type": f"select_one {list_name}",
            "name": f"{q['code']}_{item['code']}",
            "label": item["label"],
            **({"required": "yes"} if q.get("required") else {}),
        }
        for item in q.get("items", [])
    ]
    return rows + [{"type": "end group"}]


def _workbook(definition: dict, sheets: _Sheets) -> bytes:
    settings = {"form_title": definition["title"], **(definition.get("settings") or {})}
    if sheets.base:
        settings["default_language"] = sheets.base
    survey_columns = ["type", "name"] + [c for k in TEXT_KEYS for c in sheets.text_columns(k)] + list(LOGIC_KEYS)
    filters = sorted(
        {k for row in sheets.choices for k in row} - {"list_name", "name", "scale"} - set(sheets.text_columns("label"))
    )
    choice_columns = (
        ["list_name", "name"]
        + sheets.text_columns("label")
        + (["scale"] if any("scale" in r for r in sheets.choices) else [])
        + filters
    )
    workbook = Workbook(write_only=True)
    for title, columns, rows in (
        ("survey", survey_columns, sheets.survey),
        ("choices", choice_columns, sheets.choices),
        ("settings", list(settings), [settings]),
    ):
        used = [
            c for c in columns if c in ("type", "name", "list_name") or any(r.get(c) not in (None, "") for r in rows)
        ]
        sheet = workbook.create_sheet(title)
        sheet.append(used)
        for row in rows:
            sheet.append([_cell(sheet, row.get(c, "")) for c in used])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """Text stays text: a label beginning with '=' is written as a string, never as a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell
