"""The demo engagement's issued report: every section, the score and grade from the scoring workspace, the hash."""
import io
import subprocess

from openpyxl import load_workbook

from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.evidence.models import Evidence
from evalplatform.evidence.store import BlobStore
from evalplatform.indicators.rollup import scoring_summary
from evalplatform.reporting import service
from evalplatform.reporting.models import ReportVersion
from tests import factories


def test_the_demo_report_is_issued_with_its_score_grade_and_hash(session, app, tmp_path):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    evaluator, reviewer = (session.scalar(select(User).where(User.username == n)) for n in ("evaluator", "reviewer"))
    report = service.report_for(session, road) or service.start_report(session, road, evaluator, factories.NOW)
    if report.status.value != "issued":
        service.save_section(session, report, "problems", "部分路段未按期完工。", evaluator, factories.NOW)
        service.submit(session, report, evaluator, factories.NOW)
        service.approve(session, report, reviewer, factories.NOW)
        service.issue(session, report, BlobStore(app.config["STORAGE_DIR"]), reviewer, factories.NOW,
                      firm_name=road.firm.name)
    session.commit()
    version = session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                              .order_by(ReportVersion.version.desc())).first()
    summary = scoring_summary(session, road)
    pdf_path = BlobStore(app.config["STORAGE_DIR"]).path_for(session.get(Evidence, version.pdf_evidence_id).blob_sha256)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    for heading in ("一、基本情况", "二、绩效评价工作开展情况", "三、综合评价情况及评价结论", "四、绩效评价指标分析",
                    "五、主要经验及做法", "六、有关建议", "七、其他需要说明的问题"):
        assert heading in compact, heading
    total = format(summary.total.normalize(), "f")
    assert f"得分为{total}分" in compact and f"评价等级为“{summary.grade_label}”" in compact
    assert version.total_score == summary.total and version.grade == summary.grade_label
    assert version.content_sha256 in compact
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert any("CJK" in line and line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    (tmp_path.parent / "demo-report.pdf").write_bytes(pdf_path.read_bytes())
    xlsx_path = BlobStore(app.config["STORAGE_DIR"]).path_for(session.get(Evidence, version.xlsx_evidence_id).blob_sha256)
    book = load_workbook(io.BytesIO(xlsx_path.read_bytes()))  # blobs have no file extension
    assert book.sheetnames == ["评分表", "满意度调查", "对照查证", "问题清单", "证据索引"]
    assert book["评分表"].max_row == 1 + len([r for r in summary.rows if r.indicator.level == 3])
    assert book["满意度调查"].max_row > 10 and book["问题清单"].max_row >= 2
