"""XLSForm (survey / choices / settings sheets) to our instrument definition; export in xlsform_export.

Kept: nested groups (`begin/end group`, `field-list`), relevant, constraint + message, required (yes or an
expression) + message, hint, note, calculate (also `calculation` on other types), choice_filter with the
choices sheet's extra columns, select_one / select_multiple (`or_other` expanded as pyxform does), integer,
decimal, date, text, default, read_only, appearance, `randomize` parameter, every `label::Language (code)`
/ `hint::…` / message column, the settings sheet (form_title, form_id, version, default_language, style,
instance_name), and satisfaction scales in choice lists (instruments.scales). Not supported, and listed row
by row while the rest imports: repeats, media and location types, metadata rows, `*_from_file`, expressions
using what our engine lacks (instance(), position(), …).

Pages: a group with `field-list`, or a group without nested groups, is one page; a group that only wraps
other groups contributes pages of its loose questions and its subgroups; questions outside any group that
follow one another share a page. Group relevance applies through the chain (instruments.form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import scales
from .schema import CHOICE_CODE_RE, DefinitionError, validate_definition
from .xlsform_build import Builder
from .xlsform_read import TRANSLATED, XLSFormError, has_plain, languages_of, read_sheets

SETTINGS_KEPT = ("form_id", "version", "style", "instance_name")  # default_language becomes "language"
SETTINGS_IGNORED = (
    "form_title",
    "default_language",
    "title",
    "name",
    "id_string",
    "clean_text_values",
    "allow_choice_duplicates",
    "auto_send",
    "auto_delete",
    "namespaces",
    "client_editable",
)
CHOICE_COLUMNS = {"list_name", "name", "label", "scale", "order"}
_CHINESE = re.compile(r"chinese|中文|汉语|\(zh|zh\)|简体", re.I)

__all__ = ["ImportResult", "XLSFormError", "import_xlsform"]


@dataclass
class ImportResult:
    definition: dict
    unsupported: list[str] = field(default_factory=list)


class Languages:
    """Which column holds the base texts (`label` or `label::<language>`) and which are translations."""

    def __init__(self, sheets: dict[str, list[dict]], settings: dict, notes: list[str]):
        names = []
        for name in languages_of(sheets):
            if len(name) <= 60:
                names.append(name)
            else:
                notes.append(f"survey：语言名称“{name[:30]}…”超过 60 字，该语言的列未导入")
        default = settings.get("default_language", "")
        plain = has_plain(sheets.get("survey", [])) or has_plain(sheets.get("choices", []))
        if default and default in names:
            self.base, self.plain = default, False
        elif plain:
            self.base, self.plain = default, True
        else:
            chinese = [n for n in names if _CHINESE.search(n)]
            self.base, self.plain = ((chinese or names or [""])[0]), False
        self.others = [n for n in names if n != self.base or self.plain]
        if self.plain and self.base in self.others:
            self.others.remove(self.base)

    def column(self, key: str) -> str:
        return key if self.plain else f"{key}::{self.base}"

    def text(self, record: dict, key: str = "label") -> str:
        """The base-language text, or the first translation when the base cell is empty."""
        found = record.get(self.column(key)) or record.get(key)
        if found:
            return found
        return next((record[f"{key}::{n}"] for n in self.others if record.get(f"{key}::{n}")), "")

    def translations(self, record: dict, keys=TRANSLATED, rename: dict | None = None) -> dict:
        found: dict[str, dict] = {}
        for language in self.others:
            for key in keys:
                value = record.get(f"{key}::{language}")
                if value and key != "guidance_hint":
                    found.setdefault(language, {})[(rename or {}).get(key, key)] = value
        return found


def import_xlsform(data: bytes) -> ImportResult:
    sheets = read_sheets(data)
    if "survey" not in sheets:
        raise XLSFormError("XLSForm 缺少 survey 工作表")
    survey = sheets["survey"]
    if not survey or not any("type" in r for r in survey):
        raise XLSFormError("survey 工作表需要 type 与 name 列")
    settings = (sheets.get("settings") or [{}])[0]
    notes: list[str] = []
    languages = Languages(sheets, settings, notes)
    lists = _choice_lists(sheets.get("choices", []), languages, notes)
    builder = Builder(lists, languages, notes)
    for record in survey:
        builder.add(record)
    definition = {
        "title": (settings.get("form_title") or settings.get("title") or "导入的问卷")[:300],
        "kind": "questionnaire",
        **builder.finish(),
    }
    definition["settings"] = {k: settings[k] for k in SETTINGS_KEPT if settings.get(k)}
    if languages.base:
        definition["language"] = languages.base
    if languages.others:
        definition["languages"] = list(languages.others)
    for key in settings:
        if key not in SETTINGS_KEPT and key not in SETTINGS_IGNORED and key != "_row":
            notes.append(f"settings 的 {key} 列不支持，已忽略")
    notes.sort(key=_position)
    if not any(s["questions"] for s in definition["sections"]):
        raise XLSFormError("没有可导入的题目：" + "；".join(notes[:30]) if notes else "survey 工作表中没有题目")
    try:
        return ImportResult(validate_definition(definition), notes)
    except DefinitionError as error:
        raise XLSFormError("；".join(error.problems[:20])) from error


def _position(note: str) -> tuple:
    """Notes in sheet and row order, as the author reads the file."""
    match = re.match(r"(survey|choices|settings)(?: 第 (\d+) 行)?", note)
    sheet = {"survey": 0, "choices": 1, "settings": 2}.get(match.group(1), 3) if match else 3
    return sheet, int(match.group(2)) if match and match.group(2) else 10**9


def _choice_lists(rows: list[dict], languages: Languages, notes: list[str]) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    marks: dict[str, list[str]] = {}
    for row in rows:
        name = row.get("list_name", "")
        code = row.get("name", "")
        if not name:
            if code or languages.text(row):
                notes.append(f"choices 第 {row['_row']} 行 {code}：缺少 list_name，未导入")
            continue
        choices = lists.setdefault(name, [])
        if not CHOICE_CODE_RE.match(code):
            notes.append(f"choices 第 {row['_row']} 行 {code}：选项名称为空或含空格，未导入")
            continue
        if any(c["code"] == code for c in choices):
            notes.append(f"choices 第 {row['_row']} 行 {code}：列表 {name} 中选项名称重复，未导入")
            continue
        choice = {"code": code, "label": languages.text(row) or code}
        translations = languages.translations(row, ("label",))
        if translations:
            choice["translations"] = translations
        extra = {
            k: v
            for k, v in row.items()
            if k not in CHOICE_COLUMNS
            and "::" not in k
            and not k.startswith(("$", "_", "media"))
            and k not in ("image", "audio", "video")
        }
        if extra:
            choice["filter"] = extra
        choices.append(choice)
        marks.setdefault(name, []).append(row.get("scale", ""))
    for name, choices in lists.items():
        _mark_scale(name, choices, marks.get(name, []), notes)
    return lists


def _mark_scale(name: str, choices: list[dict], marks: list[str], notes: list[str]) -> None:
    """Scores and no-opinion flags from the `scale` column, else from the standard labels."""
    try:
        found = scales.from_marks(marks) if any(marks) else scales.detect([c["label"] for c in choices])
    except scales.ScaleError as error:
        notes.append(f"choices 列表 {name}：{error}，按普通选项导入")
        return
    if found is None:
        return
    for choice, score, no_opinion in zip(choices, *found):
        if no_opinion:
            choice["no_opinion"] = True
        else:
            choice["score"] = score
