"""The PDF itself: sections, embedded CJK fonts, watermark, and a renderer that fetches nothing it should not."""

import subprocess
from io import BytesIO
from pathlib import Path

import pytest

from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import service
from evalplatform.reporting.assembly import assemble, content_sha256
from evalplatform.reporting.pdf import render_pdf
from evalplatform.reporting.render import report_pdf, report_xlsx
from tests import factories
from tests.evidence import files


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[2:]


@pytest.fixture
def report(session, app):
    world = factories.World(session)
    store = BlobStore(app.config["STORAGE_DIR"])
    store_upload(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=BytesIO(files.jpeg(width=640, height=480)),
        filename="柳湾村路面.jpg",
        max_bytes=10**7,
    )
    report = service.start_report(session, world.engagement, world.evaluator, factories.NOW)
    service.save_section(session, report, "experience", "建立了“路长制”<管护>机制。", world.evaluator, factories.NOW)
    session.commit()
    return report, store


def test_a_draft_has_every_section_the_watermark_and_embedded_chinese_fonts(report, session, tmp_path):
    report, store = report
    content = assemble(session, report, store, firm_name="某会计师事务所", now=factories.NOW)
    pdf, pages = report_pdf(content, str(store.root), draft=True, version=None, content_sha256=content_sha256(content))
    text = pdf_text(pdf, tmp_path)
    for heading in (
        "一、基本情况",
        "二、绩效评价工作开展情况",
        "三、综合评价情况及评价结论",
        "四、绩效评价指标分析",
        "五、主要经验及做法",
        "六、有关建议",
        "七、其他需要说明的问题",
        "附件5：证据索引",
    ):
        assert heading in text, heading
    assert "征求意见稿" in text and "建立了“路长制”<管护>机制。" in text
    compact = "".join(text.split())
    (tmp_path.parent / "last-draft.pdf").write_bytes(pdf)
    assert f"第3页共{pages}页" in compact and pages >= 5
    assert content_sha256(content) in compact
    fonts = pdf_fonts(pdf, tmp_path)
    cjk = [line for line in fonts if "CJK" in line]
    assert cjk and all(" yes " in line.split("Identity-H", 1)[-1] or "yes" in line for line in cjk)
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded


def test_the_content_hash_changes_with_the_text_and_not_with_the_clock(report, session):
    report, store = report
    first = content_sha256(assemble(session, report, store, firm_name="所", now=factories.NOW))
    again = content_sha256(assemble(session, report, store, firm_name="所", now=factories.NOW))
    service.save_section(session, report, "other", "补充说明", report.author, factories.NOW)
    changed = content_sha256(assemble(session, report, store, firm_name="所", now=factories.NOW))
    assert first == again != changed


def test_the_excel_annex_lists_the_evidence_with_hashes(report, session):
    from openpyxl import load_workbook

    report, store = report
    content = assemble(session, report, store, firm_name="所", now=factories.NOW)
    book = load_workbook(BytesIO(report_xlsx(content)))
    rows = list(book["证据索引"].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and rows[1][0] == "E-0001" and len(rows[1][-1]) == 64


def test_the_renderer_refuses_local_files_and_the_network(tmp_path):
    allowed = tmp_path / "blobs"
    allowed.mkdir()
    (tmp_path / "secret.png").write_bytes(files.png())
    html = """<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body>
      <p>正文</p><img src="file:///etc/passwd"><img src="../secret.png"><img src="https://example.com/a.png">
      <iframe src="file:///etc/shadow"></iframe></body></html>"""
    pdf, pages, refused = render_pdf(html, allowed_roots=[allowed], base_url=allowed)
    assert pdf.startswith(b"%PDF") and pages == 1
    assert "file:///etc/passwd" in refused and "http://127.0.0.1:9/x.css" in refused
    assert "https://example.com/a.png" in refused and any(u.endswith("/secret.png") for u in refused)
    assert b"root:" not in pdf


def test_markup_in_narrative_and_findings_is_text_and_fetches_nothing(report, session, tmp_path):
    from evalplatform.crosscheck.findings import FindingFields, create_finding
    from evalplatform.reporting.render import report_html

    report, store = report
    hostile = (
        '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.com/x.css"><script>x()</script>'
    )
    service.save_section(session, report, "problems", hostile, report.author, factories.NOW)
    create_finding(
        session,
        report.engagement,
        report.author,
        factories.NOW,
        FindingFields(title="<b>标题</b>", description=hostile),
    )
    content = assemble(session, report, store, firm_name="所", now=factories.NOW)
    html = report_html(content, draft=True, version=None, content_sha256=content_sha256(content))
    pdf, _pages, refused = render_pdf(html, allowed_roots=[store.root / "blobs", store.root / "previews-1200"])
    assert refused == []  # escaped markup is text: nothing is even asked for
    compact = "".join(pdf_text(pdf, tmp_path).split())
    assert '<imgsrc="file:///etc/passwd">' in compact and "<b>标题</b>" in compact and b"root:" not in pdf
