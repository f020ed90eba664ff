"""The languages of a definition: every translatable text, read and written one language at a time.

The base texts (definition["language"], "" when unnamed) live in the plain keys ("label", "title", …); each
other language in definition["languages"] has its texts under item["translations"][language][key].
A text is addressed by a path: ("section", index, key), ("group", code, key), ("question", code, key) or
("choice", question code, choice code) — what the builder's translation page edits.
"""

from __future__ import annotations

import copy
import re

from .schema import choices_of

QUESTION_KEYS = ("label", "hint", "constraint_message", "required_message")
LANGUAGE_RE = re.compile(r"^[^\s:][^:]{0,58}[^\s:]$|^[^\s:]$")


class LanguageError(ValueError):
    pass


def languages(definition: dict) -> list[str]:
    """The base language first (its name, or "" when the form never named it), then the others."""
    return [definition.get("language") or ""] + list(definition.get("languages") or [])


def texts(definition: dict) -> list[tuple[tuple, str, str]]:
    """(path, what it is, base text) for every translatable text that has a base text, in form order. What it
    is: section, group, choice, or the question's key (label, hint, constraint_message, required_message)."""
    found = []
    groups = {g["code"]: g for g in definition.get("groups") or []}
    for index, section in enumerate(definition["sections"]):
        if section.get("title") and section.get("group") is None:
            found.append((("section", index, "title"), "section", section["title"]))
        for q in section["questions"]:
            group = groups.pop(q.get("group"), None) if q.get("group") else None
            if group and group.get("label"):
                found.append((("group", group["code"], "label"), "group", group["label"]))
            for key in QUESTION_KEYS:
                if q.get(key):
                    found.append((("question", q["code"], key), key, q[key]))
            if q.get("choices") and q["type"] != "satisfaction":
                found += [(("choice", q["code"], c["code"]), "choice", c["label"]) for c in choices_of(q)]
    return found


def _item(definition: dict, path: tuple) -> tuple[dict, str]:
    kind = path[0]
    if kind == "section":
        return definition["sections"][path[1]], path[2]
    if kind == "group":
        return next(g for g in definition.get("groups") or [] if g["code"] == path[1]), path[2]
    question = next(q for s in definition["sections"] for q in s["questions"] if q["code"] == path[1])
    if kind == "question":
        return question, path[2]
    return next(c for c in question["choices"] if c["code"] == path[2]), "label"


def text_in(definition: dict, path: tuple, language: str) -> str:
    item, key = _item(definition, path)
    if language == (definition.get("language") or ""):
        return item.get(key, "")
    return ((item.get("translations") or {}).get(language) or {}).get(key, "")


def with_language(definition: dict, language: str) -> dict:
    """A copy that also has `language` among its translations (nothing to translate yet)."""
    language = (language or "").strip()
    if not LANGUAGE_RE.match(language) or "::" in language:
        raise LanguageError("语言名称应为 1–60 个字符，例如 English (en)")
    if language in languages(definition):
        raise LanguageError(f"已有语言 {language}")
    result = copy.deepcopy(definition)
    result["languages"] = list(result.get("languages") or []) + [language]
    return result


def with_texts(definition: dict, language: str, values: dict[tuple, str]) -> dict:
    """A copy with the given texts set in `language` (an empty translation is removed; a base text stays)."""
    if language not in languages(definition):
        raise LanguageError(f"问卷没有语言 {language}")
    result = copy.deepcopy(definition)
    for path, value in values.items():
        _set(result, *_item(result, path), language, (value or "").strip())
        if path[0] == "group":  # a page made of this group shows the group's label as its title
            for section in result["sections"]:
                if section.get("group") == path[1]:
                    _set(result, section, "title", language, (value or "").strip())
    return result


def _set(definition: dict, item: dict, key: str, language: str, value: str) -> None:
    if language == (definition.get("language") or ""):
        if value:
            item[key] = value
        return
    translations = item.setdefault("translations", {})
    if value:
        translations.setdefault(language, {})[key] = value
    else:
        (translations.get(language) or {}).pop(key, None)
        if not translations.get(language):
            translations.pop(language, None)
    if not translations:
        item.pop("translations")
