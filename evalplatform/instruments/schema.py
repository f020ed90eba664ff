"""The instrument document (questionnaires and checklists) and the validation of answers against it.

A definition is plain JSON:
  {"title", "kind", "description"?, "language"?, "languages"?, "settings"?, "groups"?,
   "sections": [{"code", "title", "relevant"?, "group"?, "translations"?, "questions": [...]}]}
Sections are the respondent's pages. `groups` are the XLSForm groups ({"code", "label", "relevant"?,
"appearance"?, "parent"?, "translations"?}); a question names its innermost one in "group", and every
enclosing group's relevance applies to it (instruments.form).
A question: {"code", "type", "label", "hint"?, "required"? (true or an expression), "required_message"?,
"relevant"?, "constraint"?, "constraint_message"?, "calculation"?, "default"?, "read_only"?, "appearance"?,
"choice_filter"?, "choices"? [{"code", "label", "filter"? {column: value}, "score"?, "no_opinion"?}],
"list_name"?, "scale"? ("satisfaction"), "items"? (matrix rows), "randomize"?, "min"/"max" (numbers,
dates, rating scale, selections), "min_length"/"max_length"/"pattern" (text), "attention_check"?
{"expected": code}, "translations"? {language: {"label"?, "hint"?, "constraint_message"?,
"required_message"?}}}. Texts in the base keys are in `language`; `languages` lists the others.
"""

from __future__ import annotations

import re

from . import expr

KINDS = ("questionnaire", "checklist")
QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "satisfaction",
    "rating",
    "matrix",
    "text",
    "integer",
    "decimal",
    "date",
    "site",
    "note",
    "photo",
    "calculate",
)
CHOICE_TYPES = ("single_choice", "multiple_choice", "site")
# 5-level satisfaction (design.md §5): code, label, weighted score; 不了解 is excluded from rates.
SATISFACTION_CHOICES = [
    {"code": "5", "label": "非常满意", "score": 100},
    {"code": "4", "label": "满意", "score": 80},
    {"code": "3", "label": "一般", "score": 60},
    {"code": "2", "label": "不满意", "score": 40},
    {"code": "1", "label": "非常不满意", "score": 20},
    {"code": "dk", "label": "不了解", "score": None},
]
DONT_KNOW = "dk"
CODE_RE = expr.NAME_RE  # XML names as XLSForm allows them (letters of any script, digits, _ - .)
CHOICE_CODE_RE = re.compile(r"^[^\s\x00-\x1f]{1,100}$")  # no spaces: multiple answers are space-separated
TRANSLATABLE = ("label", "hint", "constraint_message", "required_message", "title")
TEXT_MAX_DEFAULT = 5000
LABEL_MAX = 20_000  # a consent note can run to pages; XLSForm cells are read up to this


class DefinitionError(ValueError):
    """The definition is not a valid instrument; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


class AnswerErrors(ValueError):
    """Answers refused; `errors` maps question code (or "" for the whole response) to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def questions(definition: dict) -> list[dict]:
    return [q for s in definition.get("sections", []) for q in s.get("questions", [])]


def choices_of(question: dict) -> list[dict]:
    if question["type"] in ("satisfaction",) or (question["type"] == "matrix" and not question.get("choices")):
        return SATISFACTION_CHOICES
    return question.get("choices") or []


def answer_columns(definition: dict) -> list[tuple[str, dict, dict | None]]:
    """(column code, question, matrix item) for every answerable cell, in document order."""
    columns = []
    for q in questions(definition):
        if q["type"] == "note":
            continue
        if q["type"] == "matrix":
            columns += [(f"{q['code']}.{item['code']}", q, item) for item in q.get("items", [])]
        else:
            columns.append((q["code"], q, None))
    return columns


def validate_definition(definition) -> dict:
    """Check structure, codes, types, choices, groups, languages and expressions; return the definition or
    raise DefinitionError listing every problem."""
    problems: list[str] = []
    if not isinstance(definition, dict):
        raise DefinitionError(["问卷定义必须是 JSON 对象"])
    if not str(definition.get("title") or "").strip():
        problems.append("缺少问卷标题")
    if definition.get("kind", "questionnaire") not in KINDS:
        problems.append(f"未知的类型：{definition.get('kind')}")
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        raise DefinitionError(problems + ["至少需要一个部分（section）"])
    languages = _check_languages(definition, problems)
    groups = _check_groups(definition.get("groups"), languages, problems)
    seen: set[str] = set(groups)
    for index, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not isinstance(section.get("questions"), list):
            problems.append(f"第 {index} 部分格式不正确")
            continue
        if section.get("group") is not None and section["group"] not in groups:
            problems.append(f"第 {index} 部分对应的分组 {section['group']} 不存在")
        _check_translations(section, f"第 {index} 部分", languages, problems)
        for question in section["questions"]:
            _check_question(question, seen, groups, languages, problems)
    _check_references(definition, seen - set(groups), problems)
    if problems:
        raise DefinitionError(problems)
    return definition


def _check_languages(definition: dict, problems: list[str]) -> list[str]:
    languages = definition.get("languages") or []
    if (
        not isinstance(languages, list)
        or not all(isinstance(x, str) and 0 < len(x) <= 60 for x in languages)
        or len(set(languages)) != len(languages)
        or definition.get("language") in languages
    ):
        problems.append("语言列表（languages）格式不正确")
        return []
    return languages


def _check_translations(item: dict, where: str, languages: list[str], problems: list[str]) -> None:
    translations = item.get("translations")
    if translations is None:
        return
    if not isinstance(translations, dict) or not all(
        lang in languages
        and isinstance(texts, dict)
        and all(k in TRANSLATABLE and isinstance(v, str) and len(v) <= LABEL_MAX for k, v in texts.items())
        for lang, texts in translations.items()
    ):
        problems.append(f"{where}：翻译（translations）格式不正确或语言未声明")


def _check_groups(groups, languages: list[str], problems: list[str]) -> dict[str, dict]:
    if groups is None:
        return {}
    if not isinstance(groups, list):
        problems.append("分组（groups）格式不正确")
        return {}
    found: dict[str, dict] = {}
    for group in groups:
        code = group.get("code") if isinstance(group, dict) else None
        if not isinstance(code, str) or not CODE_RE.match(code) or code in found:
            problems.append(f"分组编码无效或重复：{code!r}")
            continue
        if group.get("parent") is not None and group["parent"] not in found:
            problems.append(f"分组 {code} 的上级分组 {group['parent']} 不存在或在其后")
        _check_translations(group, f"分组 {code}", languages, problems)
        found[code] = group
    return found


def _check_question(q, seen: set[str], groups: dict, languages: list[str], problems: list[str]) -> None:
    if not isinstance(q, dict):
        problems.append("题目格式不正确")
        return
    code = q.get("code")
    where = f"题目 {code}"
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(f"题目编码无效：{code!r}（字母或汉字开头，仅字母、汉字、数字、下划线、- 和 .）")
        return
    if code in seen:
        problems.append(f"题目编码重复：{code}")
    seen.add(code)
    if q.get("type") not in QUESTION_TYPES:
        problems.append(f"{where}：未知题型 {q.get('type')!r}")
        return
    label_needed = q["type"] != "calculate"
    label = q.get("label", "")
    if not isinstance(label, str) or (label_needed and not label.strip()) or len(label) > LABEL_MAX:
        problems.append(f"{where}：题目文字不能为空且不超过 {LABEL_MAX} 字")
    if q["type"] == "calculate" and not q.get("calculation"):
        problems.append(f"{where}：计算字段需要计算公式（calculation）")
    if q.get("group") is not None and q["group"] not in groups:
        problems.append(f"{where}：所在分组 {q['group']} 不存在")
    if q["type"] in CHOICE_TYPES:
        _check_choices(q.get("choices"), where, problems, allow_empty=q["type"] == "site")
    if q["type"] == "matrix":
        _check_choices(q.get("items"), f"{where} 的子项", problems)
        if q.get("choices"):
            _check_choices(q["choices"], where, problems)
    if q.get("scale") not in (None, "satisfaction") or (
        q.get("scale")
        and len([c for c in q.get("choices") or [] if isinstance(c, dict) and _is_number(c.get("score"))]) < 2
    ):
        problems.append(f"{where}：满意度量表需要至少两个带分值（score）的选项")
    if q["type"] == "rating" and not (
        isinstance(q.get("min", 0), int) and isinstance(q.get("max"), int) and q.get("min", 0) < q["max"] <= 100
    ):
        problems.append(f"{where}：评分题需要整数的 min 与 max")
    if q.get("pattern"):
        try:
            re.compile(q["pattern"])
        except re.error:
            problems.append(f"{where}：正则表达式无效")
    _check_translations(q, where, languages, problems)
    expected = (q.get("attention_check") or {}).get("expected") if isinstance(q.get("attention_check"), dict) else None
    if q.get("attention_check") and expected not in [c["code"] for c in choices_of(q) if isinstance(c, dict)]:
        problems.append(f"{where}：注意力检测题的正确答案必须是一个选项编码")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_choices(choices, where: str, problems: list[str], allow_empty: bool = False) -> None:
    if not isinstance(choices, list) or (not choices and not allow_empty):
        problems.append(f"{where}：需要至少一个选项")
        return
    codes = set()
    for choice in choices:
        if (
            not isinstance(choice, dict)
            or not CHOICE_CODE_RE.match(str(choice.get("code", "")))
            or not str(choice.get("label") or "").strip()
        ):
            problems.append(f"{where}：选项需要编码（不含空格）和文字：{choice!r}"[:200])
            continue
        if choice["code"] in codes:
            problems.append(f"{where}：选项编码重复 {choice['code']}")
        codes.add(choice["code"])
        if (
            not isinstance(choice.get("filter", {}), dict)
            or choice.get("score") is not None
            and not _is_number(choice["score"])
        ):
            problems.append(f"{where}：选项 {choice['code']} 的筛选列或分值格式不正确")


def expressions_of(q: dict) -> list[tuple[str, str, bool]]:
    """(column, text, bare names allowed) of every expression a question carries."""
    found = [(key, q[key], False) for key in ("relevant", "constraint", "calculation") if q.get(key)]
    if isinstance(q.get("required"), str):
        found.append(("required", q["required"], False))
    if q.get("choice_filter"):
        found.append(("choice_filter", q["choice_filter"], True))
    return found


EXPRESSION_NAMES = {
    "relevant": "显示条件",
    "constraint": "约束条件",
    "calculation": "计算公式",
    "required": "必答条件",
    "choice_filter": "选项筛选条件",
}


def _check_references(definition: dict, known: set[str], problems: list[str]) -> None:
    """Every expression parses and reads only questions that exist; no question depends on itself."""
    from .form import CycleError, Form, is_expression  # form imports this module (SATISFACTION_CHOICES)

    where_texts = [
        (f"第 {i} 部分的显示条件", s.get("relevant"), False) for i, s in enumerate(definition["sections"], 1)
    ]
    where_texts += [(f"分组 {g['code']} 的显示条件", g.get("relevant"), False) for g in definition.get("groups") or []]
    for q in questions(definition):
        if not isinstance(q, dict) or not isinstance(q.get("code"), str):
            continue
        where_texts += [
            (f"题目 {q['code']} 的{EXPRESSION_NAMES[key]}", text, names) for key, text, names in expressions_of(q)
        ]
        if is_expression(q.get("default")):
            where_texts.append((f"题目 {q['code']} 的默认值", q["default"], False))
    for where, text, names in where_texts:
        _check_expression(text, where, known, problems, names)
    if problems:
        return  # the order is only worked out for a definition that is otherwise sound
    try:
        Form(definition)
    except CycleError as error:
        problems.append(f"这些题目的条件或公式互相引用（循环）：{error}")


def _check_expression(text, where: str, known: set[str], problems: list[str], names: bool = False) -> None:
    if text in (None, ""):
        return
    try:
        unknown = expr.references(expr.parse(str(text), names)) - known
    except expr.ExpressionError as error:
        problems.append(f"{where}无效：{error}")
        return
    if unknown:
        problems.append(f"{where}引用了不存在的题目：{', '.join(sorted(unknown))}")
