"""Failures with names: any title is safe as a file name; a part that cannot be rendered is named and the
report stays where it was; the issued date is the bureau's calendar day."""

from __future__ import annotations

import io
import subprocess
from datetime import datetime, timezone

import pytest

from evalplatform.evidence.models import Evidence
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import service as reporting
from evalplatform.reporting.assembly import assemble
from evalplatform.reporting.models import ReportStatus
from tests import factories
from tests.evidence.files import jpeg

pytestmark = pytest.mark.usefixtures("readiness_waived")  # about issuing itself; the gate is test_readiness.py


@pytest.fixture
def approved(session, app):
    world = factories.World(session)
    store = BlobStore(app.config["STORAGE_DIR"])
    world.photo = store_upload(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=io.BytesIO(jpeg(width=320, height=240)),
        filename="路面.jpg",
        max_bytes=10**7,
    ).evidence
    world.report = reporting.start_report(session, world.engagement, world.evaluator, factories.NOW)
    reporting.update_header(
        session, world.report, "道路/桥梁 项目：评价*报告 <2025>", "江财绩〔2026〕1号", world.evaluator, factories.NOW
    )
    reporting.submit(session, world.report, world.evaluator, factories.NOW)
    reporting.approve(session, world.report, world.reviewer, factories.NOW)
    world.store = store
    session.commit()
    return world


def test_a_title_with_a_slash_is_issued_with_safe_file_names_and_kept_in_the_document(session, approved, tmp_path):
    version = reporting.issue(
        session, approved.report, approved.store, approved.reviewer, factories.NOW, firm_name=approved.firm.name
    )
    pdf, xlsx = (session.get(Evidence, i) for i in (version.pdf_evidence_id, version.xlsx_evidence_id))
    assert pdf.original_filename == "道路-桥梁 项目：评价-报告 -2025-第1版.pdf"
    assert xlsx.original_filename == "道路-桥梁 项目：评价-报告 -2025-第1版-附表.xlsx"
    text = subprocess.run(
        ["pdftotext", str(approved.store.path_for(pdf.blob_sha256)), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "道路/桥梁 项目：评价*报告 <2025>" in text
    assert approved.report.status is ReportStatus.issued


def test_a_photo_that_cannot_be_read_is_named_and_the_report_stays_approved(session, approved):
    blob = approved.store.path_for(approved.photo.blob_sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"\x89PNG\r\n\x1a\n damaged on disk after upload")  # bypassing the upload check
    with pytest.raises(reporting.ReportError, match="照片 E-0001（路面.jpg）无法处理") as refused:
        reporting.issue(
            session, approved.report, approved.store, approved.reviewer, factories.NOW, firm_name=approved.firm.name
        )
    assert "报告状态未改变" in str(refused.value)
    session.rollback()
    assert approved.report.status is ReportStatus.approved and approved.report.versions == []


def test_the_issued_date_is_the_bureaus_day(session, approved):
    late = datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc)  # 07:30 on 5 December in Beijing
    content = assemble(session, approved.report, approved.store, firm_name="所", now=late)
    assert content["date"] == "2026年12月5日" and content["date_iso"] == "2026-12-05"
