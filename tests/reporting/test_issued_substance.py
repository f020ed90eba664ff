"""The demo's issued reports read as filed reports: no blanks, no placeholders, figures that agree (issue 21)."""

import re
import subprocess

import pytest
from sqlalchemy import select

from evalplatform import formatting
from evalplatform.demo import load_demo
from evalplatform.evidence.models import Evidence
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting.models import ReportVersion


@pytest.fixture
def issued_texts(session, app):
    """(version, text of its PDF with white space removed) for every issued demo report."""
    load_demo(session, app.config["STORAGE_DIR"])
    session.commit()
    store = BlobStore(app.config["STORAGE_DIR"])
    texts = []
    for version in session.scalars(select(ReportVersion).order_by(ReportVersion.id)):
        path = store.path_for(session.get(Evidence, version.pdf_evidence_id).blob_sha256)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        texts.append((version, "".join(text.split())))
    assert len(texts) >= 5
    return texts


def _between(text: str, start: str, end: str) -> str:
    """The body of a section (its last occurrence: the first is the table of contents)."""
    body = text[text.rindex(start) :]
    return body[: body.index(end)]


def test_issued_reports_have_no_placeholders_and_every_finding_a_recommendation(issued_texts):
    for version, text in issued_texts:
        assert "~" not in text and "（待填写）" not in text and "待填写" not in text, version.report.title
        for finding in version.content["findings"]:
            assert finding["recommendation"].strip(), finding["code"]
            assert "".join(finding["recommendation"].split())[:20] in text


def test_basic_facts_quote_the_engagements_budget_and_funds(issued_texts):
    for version, text in issued_texts:
        engagement = version.report.engagement
        section = _between(text, "一、基本情况", "二、绩效评价工作开展情况")
        assert formatting.money(engagement.budget_amount) in section
        assert formatting.money(engagement.funds_in_place) in section
        assert formatting.money(engagement.funds_spent) in section
        assert (
            "项目概况" not in section
            if version.content["engagement"]["kind_code"] == "department"
            else "项目概况" in section
        )


def test_the_survey_annex_never_contradicts_the_satisfaction_score(issued_texts):
    for version, text in issued_texts:
        annex = _between(text, "附件2：满意度调查分析", "附件3")
        analysis = _between(text, "四、绩效评价指标分析", "五、主要经验及做法")
        scored = re.search(r"满意度”：目标值[^，]*，实际[\d.]+%", analysis)
        if "未开展满意度调查" in annex:
            assert not scored, version.report.title
        if scored:
            assert "有效问卷" in annex, version.report.title


def test_department_reports_use_their_own_wording_and_rules(issued_texts):
    department = [(v, t) for v, t in issued_texts if v.content["engagement"]["kind_code"] == "department"]
    assert department
    for _v, text in department:
        body = _between(text, "一、基本情况", "附件1：评分表")
        assert "本项目" not in body and "项目概况" not in body
        assert "本部门" in body and "财预〔2013〕53号" in body and "财预〔2020〕10号" not in body
