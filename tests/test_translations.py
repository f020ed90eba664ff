"""Every UI string has an English translation (Chinese is the source language)."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "N_": None}


def test_every_message_is_translated_to_english():
    method_map = [("evalplatform/**.py", "python"), ("evalplatform/**/templates/**.html", "jinja2")]
    ids = {msg for *_rest, msg, _c, _ctx in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS)
           if isinstance(msg, str)}
    with open(ROOT / "evalplatform/translations/en/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert ids, "no messages extracted"
    assert sorted(ids - translated) == []


def test_every_template_parses():
    """The message extractor skips templates it cannot parse, silently; this makes such a template fail."""
    from jinja2 import Environment

    environment = Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted((ROOT / "evalplatform").glob("**/templates/**/*.html")):
        environment.parse(path.read_text(encoding="utf-8"), filename=str(path))
