"""XLSForm (survey / choices / settings sheets) to and from our instrument definition.

Supported: select_one, select_multiple, integer, decimal, text, date, note, begin/end group, relevant,
constraint (+ constraint_message), required, hint. Everything else is listed in `unsupported`, never dropped
silently: repeats, calculations, media/geo types, choice filters, expressions using functions we lack.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook

from .. import bounds

from . import expr
from .schema import CHOICE_CODE_RE, CODE_RE, SATISFACTION_CHOICES, choices_of, validate_definition

TYPE_MAP = {"integer": "integer", "int": "integer", "decimal": "decimal", "text": "text", "string": "text",
            "date": "date", "note": "note"}
TRUE = {"yes", "true", "1", "true()", "y"}


class XLSFormError(ValueError):
    """The file is not a readable XLSForm (not XLSX, no survey sheet, no type/name columns)."""


@dataclass
class ImportResult:
    definition: dict
    unsupported: list[str] = field(default_factory=list)


def _rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h).strip().lower() if h is not None else "" for h in rows[0]]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        record = {h: (str(v).strip() if v is not None else "") for h, v in zip(header, row) if h}
        if any(record.values()):
            record["_row"] = number
            out.append(record)
    return out


def _label(record: dict, key: str = "label") -> str:
    if record.get(key):
        return record[key]
    localized = sorted(k for k in record if k.startswith(key + "::") and record[k])
    chinese = [k for k in localized if re.search(r"chinese|zh|中文", k, re.I)]
    return record[(chinese or localized)[0]] if localized else ""


def import_xlsform(data: bytes, limits: bounds.Limits | None = None) -> ImportResult:
    unreadable = "无法读取 XLSForm 文件（需要 .xlsx 格式）"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise XLSFormError(unreadable)
    try:
        bounds.check_xlsx(io.BytesIO(data), limits or bounds.from_environment())   # before openpyxl parses it
    except bounds.LimitExceeded as error:
        raise XLSFormError(str(error)) from None
    except Exception as error:  # noqa: BLE001 - a ZIP that is no workbook: the same message as below
        raise XLSFormError(unreadable) from error
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file is the same message to the user
        raise XLSFormError("无法读取 XLSForm 文件（需要 .xlsx 格式）") from error
    sheets = {name.lower(): workbook[name] for name in workbook.sheetnames}
    if "survey" not in sheets:
        raise XLSFormError("XLSForm 缺少 survey 工作表")
    survey = _rows(sheets["survey"])
    if survey and not {"type", "name"} <= set(survey[0]):
        raise XLSFormError("survey 工作表需要 type 与 name 列")
    choices = _choice_lists(_rows(sheets["choices"]) if "choices" in sheets else [])
    settings = (_rows(sheets["settings"]) or [{}])[0] if "settings" in sheets else {}
    builder = _Builder(choices)
    for record in survey:
        builder.add(record)
    title = settings.get("form_title") or settings.get("title") or "导入的问卷"
    definition = {"title": title, "kind": "questionnaire", "sections": builder.sections(),
                  "settings": {k: settings[k] for k in ("form_id", "version") if settings.get(k)}}
    return ImportResult(validate_definition(definition), builder.unsupported)


def _choice_lists(rows: list[dict]) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for row in rows:
        name = row.get("list_name") or row.get("list name") or ""
        if name:
            lists.setdefault(name, []).append({"code": row.get("name", ""), "label": _label(row) or row.get("name", ""),
                                               "_row": row["_row"]})
    return lists


class _Builder:
    def __init__(self, choices):
        self.choices, self.unsupported = choices, []
        self._sections = [{"code": "s1", "title": "", "questions": []}]
        self.groups: list[str | None] = []  # relevance of each open group
        self.seen: set[str] = set()
        self.skipping = 0  # inside an unsupported repeat

    def sections(self):
        return [s for s in self._sections if s["questions"]] or [{"code": "s1", "title": "", "questions": []}]

    def note(self, record, what):
        self.unsupported.append(f"survey 第 {record['_row']} 行 {record.get('name') or ''}：{what}")

    def add(self, record):
        kind = re.sub(r"\s+", " ", record.get("type", "")).strip()
        base = kind.split(" ")[0].lower()
        if base in ("begin_repeat", "begin") and kind.lower().replace("_", " ").startswith("begin repeat"):
            self.skipping += 1
            return self.note(record, "重复组（repeat）不支持，组内题目未导入")
        if kind.lower().replace("_", " ") == "end repeat":
            self.skipping = max(0, self.skipping - 1)
            return None
        if self.skipping:
            return None
        if kind.lower().replace("_", " ") == "begin group":
            return self._begin_group(record)
        if kind.lower().replace("_", " ") == "end group":
            if self.groups:
                self.groups.pop()
            return None
        return self._question(record, kind, base)

    def _begin_group(self, record):
        relevant = self._expression(record, "relevant")
        self.groups.append(relevant)
        if len(self.groups) == 1:
            section = {"code": f"s{len(self._sections) + 1}", "title": _label(record) or record.get("name", ""),
                       "questions": []}
            if relevant:
                section["relevant"] = relevant
            self._sections.append(section)
        else:
            self.note(record, "嵌套分组已展开到上一级部分")

    def _question(self, record, kind, base):
        name = record.get("name", "")
        if base in ("select_one", "select_multiple"):
            qtype = "single_choice" if base == "select_one" else "multiple_choice"
        elif base in TYPE_MAP:
            qtype = TYPE_MAP[base]
        elif base in ("start", "end", "today", "deviceid", "username", "audit", "calculate", "phonenumber", "simserial",
                      "subscriberid", "imei"):
            return self.note(record, f"题型 {kind} 不支持（元数据或计算）")
        else:
            return self.note(record, f"题型 {kind} 不支持")
        if not CODE_RE.match(name) or name in self.seen:
            return self.note(record, "题目名称不合法或重复")
        question = {"code": name, "type": qtype, "label": _label(record) or name}
        if qtype in ("single_choice", "multiple_choice") and not self._attach_choices(record, kind, question):
            return None
        if _label(record, "hint"):
            question["hint"] = _label(record, "hint")
        if record.get("required", "").lower() in TRUE:
            question["required"] = True
        elif record.get("required"):
            self.note(record, f"必答条件 {record['required']} 不支持，按非必答导入")
        self._logic(record, question)
        for column in ("choice_filter", "calculation", "repeat_count", "default", "trigger"):
            if record.get(column):
                self.note(record, f"{column} 不支持：{record[column]}")
        self.seen.add(name)
        self._sections[-1]["questions"].append(question)

    def _attach_choices(self, record, kind, question) -> bool:
        parts = kind.split(" ")
        if len(parts) < 2 or parts[1] not in self.choices:
            self.note(record, f"找不到选项列表 {parts[1] if len(parts) > 1 else ''}")
            return False
        good = [{"code": c["code"], "label": c["label"]} for c in self.choices[parts[1]] if CHOICE_CODE_RE.match(c["code"])]
        if len(good) < len(self.choices[parts[1]]):
            self.note(record, "部分选项编码不合法（仅字母数字），未导入")
        if not good:
            return False
        question["choices"] = good
        if "or_other" in kind:
            self.note(record, "or_other 不支持")
        return True

    def _logic(self, record, question):
        relevant = self._expression(record, "relevant")
        conditions = [g for g in self.groups[1:] if g] + ([relevant] if relevant else [])
        if conditions:
            question["relevant"] = " and ".join(f"({c})" for c in conditions) if len(conditions) > 1 else conditions[0]
        constraint = self._expression(record, "constraint", allow_self=record.get("name"))
        if constraint:
            question["constraint"] = constraint
            if _label(record, "constraint_message"):
                question["constraint_message"] = _label(record, "constraint_message")

    def _expression(self, record, column, allow_self=None):
        text = record.get(column, "")
        if not text:
            return None
        try:
            unknown = expr.references(expr.parse(text)) - self.seen - ({allow_self} if allow_self else set())
        except expr.ExpressionError as error:
            self.note(record, f"{column} 表达式不支持：{text}（{error}）")
            return None
        if unknown:
            self.note(record, f"{column} 引用了未导入或其后的题目 {', '.join(sorted(unknown))}：{text}")
            return None
        return text


def export_xlsform(definition: dict) -> bytes:
    """survey, choices and settings sheets that ODK/Kobo tools read; matrices become groups of select_one."""
    survey = [["type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message", "appearance"]]
    choices = [["list_name", "name", "label"]]
    lists: set[str] = set()

    def add_list(name, items):
        if name not in lists:
            lists.add(name)
            choices.extend([name, c["code"], c["label"]] for c in items)

    for section in definition["sections"]:
        survey.append(["begin group", section.get("code", "s"), section.get("title", ""), "", "", section.get("relevant", ""), "", "", "field-list"])
        for q in section["questions"]:
            survey.extend(_survey_rows(q, add_list))
        survey.append(["end group", "", "", "", "", "", "", "", ""])
    settings = [["form_title", "form_id", "version"],
                [definition["title"], (definition.get("settings") or {}).get("form_id", "evalplatform"), "1"]]
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_plain(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value):
    # XLSForm readers need formulas as text too; a leading ' would change expressions, so only neutralise '='.
    return ("'" + value) if isinstance(value, str) and value.startswith(("=", "+", "@")) else value


def _survey_rows(q, add_list) -> list[list]:
    common = [q.get("hint", ""), "yes" if q.get("required") else "", q.get("relevant", ""),
              q.get("constraint", ""), q.get("constraint_message", ""), ""]
    kind = q["type"]
    if kind in ("single_choice", "multiple_choice", "satisfaction", "site"):
        list_name = "satisfaction5" if kind == "satisfaction" else f"list_{q['code']}"
        add_list(list_name, choices_of(q))
        prefix = "select_multiple" if kind == "multiple_choice" else "select_one"
        return [[f"{prefix} {list_name}", q["code"], q["label"], *common]]
    if kind == "matrix":
        list_name = "satisfaction5" if not q.get("choices") else f"list_{q['code']}"
        add_list(list_name, choices_of(q) if q.get("choices") else SATISFACTION_CHOICES)
        rows = [["begin group", q["code"], q["label"], "", "", q.get("relevant", ""), "", "", "table-list"]]
        rows += [[f"select_one {list_name}", f"{q['code']}_{item['code']}", item["label"], "",
                  "yes" if q.get("required") else "", "", "", "", ""] for item in q.get("items", [])]
        return rows + [["end group", "", "", "", "", "", "", "", ""]]
    if kind == "rating":
        constraint = f". >= {q.get('min', 0)} and . <= {q['max']}"
        return [["integer", q["code"], q["label"], q.get("hint", ""), "yes" if q.get("required") else "",
                 q.get("relevant", ""), constraint, "", ""]]
    return [[{"photo": "image"}.get(kind, kind), q["code"], q["label"], *common]]
