"""Words, not codes (issue 21): every GET page of the demo, opened as each user who reads it, shows no internal
identifier in its visible text — no snake_case names, no ${…} expressions, no \\u escapes, no enum values.

The walk is the disclosure test's (tests/reliability/test_disclosure.py): its scene (the demo road project, issued
once and reopened) and its id filling. Only the text a person reads is checked: tags' text without scripts,
styles and attributes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from evalplatform.demo import DEMO_PASSWORD
from evalplatform.questionnaires.models import Distribution
from tests.conftest import CSRF_RE
from tests.reliability.test_disclosure import scene  # noqa: F401 - the shared fixture

# What a person must never read: snake_case names, template expressions, JSON-escaped text, and the
# enum values stored in the database (the catalogue gives each of them a label).
CODE = re.compile(
    r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\$\{[^}]*\}|\\u[0-9a-fA-F]{4}|"
    r"\b[a-z]+\.(?!(?:jpe?g|png|pdf|xlsx?|csv|ods|docx?|zip|json)\b)[a-z_]+\b|"  # finding.update
    r"\b(?:lead|member|reviewer|expert|submit|approve|issue|reopen|return|questionnaire|checklist|"
    r"single_choice|multiple_choice|draft|submitted|returned|approved|issued|setup|fieldwork|"
    r"analysis|reporting|review|archived|open|closed|done|in_progress|rectification|pending|"
    r"true|false|None|null)\b"
)
# Real values that look like codes: the demo's user names (shown where one signs in or is named as a
# colleague), file names and formats, and the units and standards written in Latin letters.
ALLOWED = {"evaluator", "reviewer", "bureau", "auditor", "admin"}
ROLES = ["evaluator", "reviewer", "bureau", "auditor", "admin", "anonymous"]
SKIPPED_PREFIXES = ("/static/", "/api/", "/metrics", "/healthz")


class _Visible(HTMLParser):
    """The text of an HTML page as a reader sees it: no script, style, template or form value, no attributes."""

    HIDDEN = {"script", "style", "template", "noscript", "textarea"}  # a textarea holds a value being edited

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.depth -= tag in self.HIDDEN and self.depth > 0

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# A respondent's link is a real value a person copies (its random token may hold "_"), not a code.
LINK = re.compile(r"(?:https?://\S+)?/s/[A-Za-z0-9_-]+")


def codes_in(text: str) -> list[str]:
    return sorted({m.group(0) for m in CODE.finditer(LINK.sub(" ", text))} - ALLOWED)


def get_pages(app, ids: dict) -> list[str]:
    """Every GET route, its ids filled from the scene (the disclosure test's ids)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED_PREFIXES) or rule.rule.startswith("/s/"):
            continue
        wanted = [a for a in rule.arguments if a not in (rule.defaults or {})]
        if any(a not in ids for a in wanted):
            continue
        urls.append(rule.build({a: ids[a] for a in wanted}, append_unknown=False)[1])
    return sorted(set(urls))


def _in_context(text: str, code: str) -> str:
    at = text.find(code)
    return text[max(0, at - 15) : at + len(code) + 15]


def _client(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"username": role, "password": DEMO_PASSWORD, "csrf_token": token})
        assert response.status_code == 302, role
    return client


def _codes_on_pages(client, urls) -> dict[str, str]:
    found = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        text = visible_text(response.get_data(as_text=True))
        codes = codes_in(text)
        if codes:
            found[url] = " | ".join(_in_context(text, code) for code in codes[:6])
    return found


def test_the_visible_text_extractor_drops_scripts_and_attributes():
    html = '<p title="road_length">道路</p><script>var x_y = 1;</script><style>.a_b{}</style><b>长度</b>'
    assert visible_text(html) == "道路 长度"
    assert codes_in("road_length ${aware} \\u8d44 lead 王复核 evaluator finding.update 照片.jpg") == [
        "${aware}",
        "\\u8d44",
        "finding.update",
        "lead",
        "road_length",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_code_to(app, session, scene, role):  # noqa: F811 - the fixture imported above
    ids = {**scene.ids, "version": 1}
    client = _client(app, role)
    urls = get_pages(app, ids)
    if role == "anonymous":
        tokens = session.scalars(select(Distribution.token)).all()
        urls = ["/login"] + [f"/s/{t}" for t in tokens]
    found = _codes_on_pages(client, urls)
    assert not found, "\n".join(f"{url}: {codes}" for url, codes in found.items())
