"""Every UI string is in the catalogue, in both languages: Chinese is the source language (every msgid is
Chinese), English is its translation (every msgid translated, placeholders kept, nothing fuzzy)."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "N_": None}


def extracted_ids() -> set[str]:
    method_map = [("evalplatform/**.py", "python"), ("evalplatform/**/templates/**.html", "jinja2")]
    return {
        msg
        for *_rest, msg, _c, _ctx in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS)
        if isinstance(msg, str)
    }


def english_catalog():
    with open(ROOT / "evalplatform/translations/en/LC_MESSAGES/messages.po", "rb") as po:
        return read_po(po)


def test_every_message_is_translated_to_english():
    ids = extracted_ids()
    translated = {m.id for m in english_catalog() if m.id and m.string and not m.fuzzy}
    assert ids, "no messages extracted"
    assert sorted(ids - translated) == []


def test_the_chinese_catalogue_is_the_source_so_every_msgid_is_chinese():
    """A msgid written in English would reach Chinese readers untranslated (there is no zh catalogue to fix it)."""
    assert sorted(i for i in extracted_ids() if not re.search(r"[\u4e00-\u9fff]", i)) == []


def test_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\((\w+)\)s|\{(\w*)\}")
    wrong = [
        m.id
        for m in english_catalog()
        if m.id and m.string and sorted(placeholder.findall(m.id)) != sorted(placeholder.findall(m.string))
    ]
    assert wrong == []


def test_every_template_parses():
    """The message extractor skips templates it cannot parse, silently; this makes such a template fail."""
    from jinja2 import Environment

    environment = Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted((ROOT / "evalplatform").glob("**/templates/**/*.html")):
        environment.parse(path.read_text(encoding="utf-8"), filename=str(path))
