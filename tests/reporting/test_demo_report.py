"""The demo engagement's issued report: every section, the score and grade from the scoring workspace, the hash."""

import io
import re
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
        service.issue(
            session, report, BlobStore(app.config["STORAGE_DIR"]), reviewer, factories.NOW, firm_name=road.firm.name
        )
    session.commit()
    version = session.scalars(
        select(ReportVersion).where(ReportVersion.report_id == report.id).order_by(ReportVersion.version.desc())
    ).first()
    summary = scoring_summary(session, road)
    pdf_path = BlobStore(app.config["STORAGE_DIR"]).path_for(session.get(Evidence, version.pdf_evidence_id).blob_sha256)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    for heading in (
        "一、基本情况",
        "二、绩效评价工作开展情况",
        "三、综合评价情况及评价结论",
        "四、绩效评价指标分析",
        "五、主要经验及做法",
        "六、有关建议",
        "七、其他需要说明的问题",
    ):
        assert heading in compact, heading
    total = format(summary.total.normalize(), "f")
    assert f"得分为{total}分" in compact and f"评价等级为“{summary.grade_label}”" in compact
    assert version.total_score == summary.total and version.grade == summary.grade_label
    assert version.content_sha256 in compact
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert any("CJK" in line and line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    (tmp_path.parent / "demo-report.pdf").write_bytes(pdf_path.read_bytes())
    assert_outline(pdf_path, road.title)
    xlsx_path = BlobStore(app.config["STORAGE_DIR"]).path_for(
        session.get(Evidence, version.xlsx_evidence_id).blob_sha256
    )
    book = load_workbook(io.BytesIO(xlsx_path.read_bytes()))  # blobs have no file extension
    assert book.sheetnames == ["评分表", "满意度调查", "对照查证", "问题清单", "证据索引"]
    leaves, dimensions = (len([r for r in summary.rows if r.indicator.level == n]) for n in (3, 1))
    assert book["评分表"].max_row == 1 + leaves + dimensions + 1  # each 一级指标's 合计, then 总分
    assert_annex_sums(book["评分表"], summary)
    assert book["满意度调查"].max_row > 10 and book["问题清单"].max_row >= 2


def assert_annex_sums(sheet, summary):
    """Numbers are numbers, each 合计 is the sum of its rows, the total and the grade are there; printable."""
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    points, scores = [], []
    for row in rows:
        if row[0].startswith("合计："):
            assert row[6] == sum(points) and row[7] == sum(scores), row
            points, scores = [], []
        elif row[0] != "总分":
            assert isinstance(row[6], (int, float)) and isinstance(row[8], (int, float)), row
            points.append(row[6])
            scores.append(row[7] if isinstance(row[7], (int, float)) else 0)
    total = rows[-1]
    assert total[0] == "总分" and total[7] == float(summary.total) and summary.grade_label in total[9]
    assert total[6] == sum(r[6] for r in rows if r[0].startswith("合计："))
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)


# 财预〔2020〕10号 附件3's outline, then the annexes, as the report prints them.
OUTLINE = (
    "一、基本情况",
    "（一）项目概况",
    "（二）项目绩效目标",
    "二、绩效评价工作开展情况",
    "三、综合评价情况及评价结论",
    "四、绩效评价指标分析",
    "五、主要经验及做法、存在的问题及原因分析",
    "六、有关建议",
    "七、其他需要说明的问题",
    "附件1：评分表",
    "附件2：满意度调查分析",
    "附件3：现场勘查记录及照片",
    "附件4：问题清单",
    "附件5：证据索引",
)


def assert_outline(pdf_path, project_title):
    """Every heading in order; the 目录's page numbers are the pages the headings are on; nothing a reader
    should never see (None, nan, a raw msgid placeholder); every page after the cover has the running header
    with the project's name and 第 x 页 共 y 页."""
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    pages = ["".join(page.split()) for page in text.split("\f")][:-1]
    toc_index = next(n for n, page in enumerate(pages) if "目录" in page)
    body = "".join(pages[toc_index + 1 :])
    positions = [body.index(heading) for heading in OUTLINE]
    assert positions == sorted(positions), "headings out of order"
    toc = pages[toc_index]
    for heading in OUTLINE:
        if heading.startswith("（"):
            continue  # the 目录 lists the chapters, not their subsections
        number = int(re.search(re.escape(heading) + r"\.*(\d+)", toc).group(1))
        assert heading in pages[number - 1], (heading, number)
        assert heading not in "".join(pages[toc_index + 1 : number - 1]), (heading, "appears before its page")
    for word in ("None", "nan", "%(", "{{"):
        assert not re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", "".join(pages)), word
    compact_title = "".join(project_title.split())
    for n, page in enumerate(pages[1:], start=2):
        assert compact_title in page or n - 1 == toc_index, n
        assert f"第{n}页共{len(pages)}页" in page or n - 1 == toc_index, n
