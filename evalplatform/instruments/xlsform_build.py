"""Survey rows of an XLSForm to questions, groups and pages (used by instruments.xlsform)."""

from __future__ import annotations

import copy
import re

from . import expr
from .form import CycleError, Form, is_expression
from .schema import CODE_RE

TYPE_MAP = {
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "text": "text",
    "string": "text",
    "date": "date",
    "note": "note",
    "calculate": "calculate",
}
SELECTS = {
    "select_one": "single_choice",
    "select one": "single_choice",
    "select1": "single_choice",
    "select_multiple": "multiple_choice",
    "select multiple": "multiple_choice",
    "select all that apply": "multiple_choice",
}
METADATA = (
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-geopoint",
    "background-audio",
    "imei",
    "uri:deviceid",
    "uri:email",
    "uri:phonenumber",
    "uri:subscriberid",
    "uri:simserial",
    "uri:username",
    "instanceid",
)
MEDIA_GEO = (
    "image",
    "photo",
    "audio",
    "video",
    "file",
    "geopoint",
    "geotrace",
    "geoshape",
    "barcode",
    "time",
    "datetime",
    "range",
    "rank",
    "acknowledge",
    "hidden",
    "xml-external",
    "csv-external",
    "trigger",
)
TRUE = {"yes", "true", "true()", "1", "y"}
FALSE = {"no", "false", "false()", "0", "n", ""}
BEGIN = re.compile(r"^begin[ _](group|repeat|looped[ _]group)$")
END = re.compile(r"^end[ _](group|repeat|looped[ _]group)$")
LEGACY_BEGIN = {"group": "group", "repeat": "repeat", "looped group": "repeat", "looped_group": "repeat"}
EXPRESSION_COLUMNS = (
    ("relevant", "显示条件"),
    ("constraint", "约束条件"),
    ("required", "必答条件"),
    ("choice_filter", "选项筛选条件"),
    ("calculation", "计算公式"),
    ("default", "默认值"),
)


class Builder:
    def __init__(self, lists: dict, languages, notes: list[str]):
        self.lists, self.languages, self.notes = lists, languages, notes
        self.root = {"kind": "root", "children": []}
        self.stack = [self.root]
        self.groups: list[dict] = []
        self.codes: set[str] = set()
        self.rows: dict[str, int] = {}

    def note(self, row: int, name: str, what: str) -> None:
        self.notes.append(f"survey 第 {row} 行 {name}：{what}".replace(" ：", "："))

    def add(self, record: dict) -> None:
        raw = re.sub(r"\s+", " ", record.get("type", "")).strip()
        kind = raw.lower()
        row, name = record["_row"], record.get("name", "")
        if not raw:
            return self.note(row, name, "缺少 type，未导入") if (name or self.languages.text(record)) else None
        repeat = next((f for f in self.stack if f["kind"] == "repeat"), None)
        begin, end = BEGIN.match(kind), END.match(kind)
        if begin or end:
            return self._structure(record, "repeat" if "repeat" in kind or "loop" in kind else "group", bool(begin))
        if repeat is not None:
            return self.note(row, name, f"位于重复组 {repeat['code']} 内，重复组暂不支持，未导入")
        self._question(record, raw)

    def _structure(self, record: dict, kind: str, begin: bool) -> None:
        row, name = record["_row"], record.get("name", "")
        if not begin:
            if self.stack[-1]["kind"] != kind:
                return self.note(row, name, f"end {kind} 没有对应的 begin {kind}，已忽略")
            self.stack.pop()
            return None
        inside_repeat = any(f["kind"] == "repeat" for f in self.stack)
        if kind == "repeat" and not inside_repeat:
            self.note(row, name, "重复组（repeat）暂不支持，组内的题目未导入（逐行列出如下）")
        if kind == "repeat" or inside_repeat:
            self.stack.append(
                {"kind": "repeat" if kind == "repeat" else "group", "code": name or f"row{row}", "children": []}
            )
            return None
        code = name if CODE_RE.match(name) and name not in self.codes else f"group_{row}"
        if code != name:
            self.note(row, name, f"分组名称不合法或重复，改名为 {code}")
        group = {"code": code, "label": self.languages.text(record)}
        for key in ("relevant", "appearance"):
            if record.get(key):
                group[key] = record[key]
        if self.stack[-1]["kind"] == "group":
            group["parent"] = self.stack[-1]["code"]
        translations = self.languages.translations(record, ("label",))
        if translations:
            group["translations"] = translations
        self.codes.add(code)
        self.rows[code] = row
        self.groups.append(group)
        node = {"kind": "group", "code": code, "group": group, "children": []}
        self.stack[-1]["children"].append(node)
        self.stack.append(node)

    def _question(self, record: dict, raw: str) -> None:
        row, name = record["_row"], record.get("name", "")
        words = raw.split(" ")
        base = words[0].lower()
        qtype = TYPE_MAP.get(base)
        list_name = None
        for prefix, mapped in SELECTS.items():
            if raw.lower().startswith(prefix + " ") and not base.endswith("_from_file"):
                qtype, list_name = mapped, raw[len(prefix) :].strip().split(" ")[0]
        if qtype is None:
            what = (
                "元数据字段，系统已自动记录提交时间与设备，不导入"
                if base in METADATA
                else (
                    f"题型 {raw} 暂不支持，未导入"
                    if base in MEDIA_GEO or base.endswith("_from_file")
                    else f"未知题型 {raw}，未导入"
                )
            )
            return self.note(row, name, what)
        if not CODE_RE.match(name) or name in self.codes:
            return self.note(row, name, "题目名称为空、不合法或重复，未导入")
        question = {
            "code": name,
            "type": qtype,
            "label": self.languages.text(record) or ("" if qtype == "calculate" else name),
        }
        if list_name is not None and not self._choices(question, record, list_name, raw):
            return None
        self._columns(question, record)
        if self.stack[-1]["kind"] == "group":
            question["group"] = self.stack[-1]["code"]
        self.codes.add(name)
        self.rows[name] = row
        self.stack[-1]["children"].append({"kind": "question", "question": question})
        if list_name is not None and re.search(r"\bor_other$", raw):
            self._or_other(question, row)

    def _choices(self, question: dict, record: dict, list_name: str, raw: str) -> bool:
        choices = self.lists.get(list_name)
        if not choices:
            what = (
                f"选项列表 {list_name} 中没有可导入的选项" if list_name in self.lists else f"找不到选项列表 {list_name}"
            )
            self.note(record["_row"], record.get("name", ""), f"{what}，未导入")
            return False
        question["choices"] = copy.deepcopy(choices)
        question["list_name"] = list_name
        if any(c.get("score") is not None for c in choices):
            question["scale"] = "satisfaction"
        return True

    def _or_other(self, question: dict, row: int) -> None:
        """pyxform's or_other: an "other" choice and a text question shown when it is picked."""
        other = f"{question['code']}_other"
        if not any(c["code"] == "other" for c in question["choices"]):
            question["choices"].append({"code": "other", "label": "其他"})
            question["list_name"] += "_other"  # the list now differs from the sheet's; export writes it so
        self.note(row, question["code"], f"or_other 已展开为“其他”选项和文本题 {other}")
        if other not in self.codes:
            text = {
                "code": other,
                "type": "text",
                "label": "请注明其他",
                "relevant": f"selected(${{{question['code']}}}, 'other')",
            }
            if question.get("group"):
                text["group"] = question["group"]
            self.codes.add(other)
            self.rows[other] = row
            self.stack[-1]["children"].append({"kind": "question", "question": text})

    def _columns(self, question: dict, record: dict) -> None:
        for key in ("hint", "constraint_message", "required_message"):
            text = self.languages.text(record, key)
            if text:
                question[key] = text
        required = record.get("required", "").strip()
        if required.lower() in TRUE:
            question["required"] = True
        elif required.lower() not in FALSE:
            question["required"] = required
        for key in ("relevant", "constraint", "calculation", "choice_filter", "default", "appearance"):
            if record.get(key):
                question[key] = record[key]
        if record.get("read_only", "").lower() in TRUE:
            question["read_only"] = True
        if re.search(r"randomi[sz]e\s*=\s*(true|yes)", record.get("parameters", ""), re.I):
            question["randomize"] = True
        translations = self.languages.translations(record)
        if translations:
            question["translations"] = translations
        row, name = record["_row"], record.get("name", "")
        for key in ("trigger", "repeat_count"):
            if record.get(key):
                self.note(row, name, f"{key} 列不支持（{record[key]}），已忽略")
        if any(k == "guidance_hint" or k.startswith("guidance_hint::") for k in record):
            self.note(row, name, "访员指导提示（guidance_hint）不向受访者显示，未导入")
        if any(k.startswith("media::") for k in record):
            self.note(row, name, "题目中的图片/音频/视频（media）不支持，只导入文字")

    def finish(self) -> dict:
        while len(self.stack) > 1:
            frame = self.stack.pop()
            self.notes.append(f"survey：begin {frame['kind']} {frame.get('code', '')} 没有对应的 end，已在表末结束")
        questions = [n["question"] for n in _walk_questions(self.root)]
        for q in questions:
            if q["type"] == "calculate" and not q.get("calculation"):
                q["_dropped"] = True
                self.note(self.rows[q["code"]], q["code"], "计算字段缺少计算公式（calculation），未导入")
        self._prune(questions)
        self._break_cycles(questions)
        sections = self._sections()
        for q in questions:
            q.pop("_dropped", None)
        return {
            "sections": sections or [{"code": "p1", "title": "", "questions": []}],
            "groups": self._used_groups(sections),
        }

    def _sections(self) -> list[dict]:
        return [s for s in _pages(self.root["children"], None, self._page_code) if s["questions"]]

    def _used_groups(self, sections: list[dict]) -> list[dict]:
        """Groups that hold at least one imported question (an empty group has nothing to show or keep)."""
        parents = {g["code"]: g.get("parent") for g in self.groups}
        used = set()
        for q in (q for s in sections for q in s["questions"]):
            code = q.get("group")
            while code and code not in used:
                used.add(code)
                code = parents.get(code)
        for group in self.groups:
            if group["code"] not in used:
                self.note(self.rows[group["code"]], group["code"], "分组中没有可导入的题目，已忽略")
        return [g for g in self.groups if g["code"] in used]

    def _page_code(self, group_code: str | None) -> str:
        """A page made of one group takes the group's name; a run of loose questions takes p1, p2, …"""
        if group_code:
            return group_code
        n = 1
        while f"p{n}" in self.codes:
            n += 1
        self.codes.add(f"p{n}")
        return f"p{n}"

    def _prune(self, questions: list[dict]) -> None:
        """Drop each expression our engine cannot evaluate (and a calculation that loses its formula), naming
        the row, until what is left only reads questions that were imported."""
        changed = True
        while changed:
            changed = False
            known = {q["code"] for q in questions if not q.get("_dropped")}
            for q in questions:
                if not q.get("_dropped"):
                    changed |= self._prune_question(q, known)
            for group in self.groups:
                problem = group.get("relevant") and _problem(group["relevant"], known, False)
                if problem:
                    self.note(
                        self.rows[group["code"]],
                        group["code"],
                        f"分组的显示条件 {group.pop('relevant')} {problem}，已去掉（该组总是显示）",
                    )
                    changed = True
        for q in questions:
            if q.get("_dropped"):
                self.codes.discard(q["code"])

    def _prune_question(self, q: dict, known: set[str]) -> bool:
        changed = False
        for key, name in EXPRESSION_COLUMNS:
            text = q.get(key)
            if not isinstance(text, str) or not text or (key == "default" and not is_expression(text)):
                continue
            problem = _problem(text, known, key == "choice_filter")
            if not problem:
                continue
            changed = True
            if key == "calculation" and q["type"] == "calculate":
                q["_dropped"] = True
                self.note(self.rows[q["code"]], q["code"], f"计算公式 {text} {problem}，未导入")
                return True
            del q[key]
            consequence = {"relevant": "此题总是显示", "required": "按非必答导入", "choice_filter": "显示全部选项"}.get(
                key, "已去掉"
            )
            self.note(self.rows[q["code"]], q["code"], f"{name} {text} {problem}，{consequence}")
        return changed

    def _break_cycles(self, questions: list[dict]) -> None:
        """Drop a calculation in a cycle (other questions lose their expressions) before the pages are made: a
        dropped question may leave its group empty, and an empty group neither makes a page nor survives export."""
        for _attempt in range(20):
            codes = set(self.codes)  # trial pages must not use up page codes
            try:
                Form({"sections": self._sections(), "groups": list(self.groups)})
                return
            except CycleError as error:
                for q in questions:
                    if q.get("_dropped") or q["code"] not in error.codes:
                        continue
                    if q["type"] == "calculate":
                        q["_dropped"] = True
                        self.note(self.rows.get(q["code"], 0), q["code"], "计算公式与其他题目互相引用（循环），未导入")
                        continue
                    for key in ("calculation", "relevant", "choice_filter", "default"):
                        q.pop(key, None)
                    self.note(self.rows.get(q["code"], 0), q["code"], "条件或公式与其他题目互相引用（循环），已去掉")
            finally:
                self.codes = codes


def _problem(text: str, known: set[str], names: bool) -> str:
    """Why an expression cannot be kept ('' when it can)."""
    try:
        unknown = expr.references(expr.parse(text, names)) - known
    except expr.ExpressionError as error:
        return f"使用了本系统不支持的写法（{error}）"
    return f"引用了未导入的题目 {'、'.join(sorted(unknown))}" if unknown else ""


def _walk_questions(node: dict):
    for child in node["children"]:
        if child["kind"] == "question":
            yield child
        else:
            yield from _walk_questions(child)


def _has_content(node: dict) -> bool:
    return any(not n["question"].get("_dropped") for n in _walk_questions(node))


def _has_subgroup(node: dict) -> bool:
    """A subgroup that will show something (empty groups are dropped, so they cannot make a wrapper)."""
    return any(c["kind"] == "group" and _has_content(c) for c in node["children"])


def _pages(children: list[dict], group: dict | None, page_code) -> list[dict]:
    """Pages from a group's children: runs of loose questions, and each subgroup (see module docstring)."""
    pages, run = [], []

    def close_run():
        if run:
            pages.append(_section(page_code(None), group, list(run)))
            run.clear()

    for child in children:
        if child["kind"] == "question":
            if not child["question"].get("_dropped"):
                run.append(child["question"])
            continue
        if not _has_content(child):
            continue  # an empty group is dropped: it does not end a page either
        close_run()
        wrapper = _has_subgroup(child) and "field-list" not in child["group"].get("appearance", "")
        if wrapper:
            pages += _pages(child["children"], child["group"], page_code)
        else:
            pages.append(
                _section(
                    page_code(child["code"]),
                    child["group"],
                    [n["question"] for n in _walk_questions(child) if not n["question"].get("_dropped")],
                )
            )
    close_run()
    return pages


def _section(code: str, group: dict | None, questions: list[dict]) -> dict:
    section = {"code": code, "title": group["label"] if group else "", "questions": questions}
    if group:
        section["group"] = group["code"]
        titles = {
            lang: {"title": t["label"]} for lang, t in (group.get("translations") or {}).items() if t.get("label")
        }
        if titles:
            section["translations"] = titles
    return section
