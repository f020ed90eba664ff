"""生成初稿: the narrative sections drafted from the data, never over what an evaluator wrote (issue 21)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from evalplatform.engagements.models import EngagementKind
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import service, wording
from evalplatform.reporting.assembly import assemble
from evalplatform.reporting.models import NARRATIVE_SECTIONS
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def world(session):
    world = factories.World(session)
    session.commit()
    return world


def _report(session, world, engagement=None):
    return service.start_report(session, engagement or world.engagement, world.evaluator, factories.NOW)


def test_drafts_fill_the_empty_sections_and_keep_what_was_written(session, app, world):
    report = _report(session, world)
    service.save_section(session, report, "experience", "我们写的经验。", world.evaluator, factories.NOW)
    store = BlobStore(app.config["STORAGE_DIR"])
    filled = service.generate_drafts(session, report, store, world.evaluator, factories.NOW, firm_name="某所")
    assert set(filled) == set(NARRATIVE_SECTIONS) - {"experience"}
    assert report.section_text("experience") == "我们写的经验。"
    assert "1,000,000.00元" in report.section_text("overview")
    assert service.generate_drafts(session, report, store, world.evaluator, factories.NOW, firm_name="某所") == []


def test_the_overview_quotes_the_funds_and_the_process_says_only_what_is_known(session, app, world):
    engagement = factories.engagement(
        session,
        world.evaluator,
        world.bureau,
        funds_in_place=Decimal("900000"),
        funds_spent=Decimal("810000"),
        period_start=date(2025, 3, 1),
    )
    content = assemble(
        session,
        _report(session, world, engagement),
        BlobStore(app.config["STORAGE_DIR"]),
        firm_name="某所",
        now=factories.NOW,
    )
    overview, process = content["narrative"]["overview"], content["narrative"]["work_process"]
    assert "预算资金1,000,000.00元" in overview and "实际到位资金900,000.00元，资金到位率90.00%" in overview
    assert "实际支出810,000.00元，预算执行率90.00%" in overview
    assert "评价期间为2025年3月1日起" in process and "~" not in process
    bare = assemble(
        session, _report(session, world), BlobStore(app.config["STORAGE_DIR"]), firm_name="某所", now=factories.NOW
    )["narrative"]
    assert "评价期间" not in bare["work_process"] and "评价范围为2025年度" in bare["work_process"]
    assert "资金到位和支出情况见附件1" in bare["overview"]


def test_a_department_report_has_its_own_wording_and_rules(session, app, world):
    department = factories.engagement(
        session,
        world.evaluator,
        world.bureau,
        kind=EngagementKind.department,
        title="某县民政局2025年度部门整体支出绩效评价",
    )
    content = assemble(
        session,
        _report(session, world, department),
        BlobStore(app.config["STORAGE_DIR"]),
        firm_name="某所",
        now=factories.NOW,
    )
    text = "".join(content["narrative"].values())
    assert "本部门" in text and "本项目" not in text and "项目概况" not in text
    assert wording.for_kind("department")["rules"] in text and "财预〔2020〕10号" not in text
    assert content["wording"]["overview_heading"] == "（一）部门（单位）概况"


def test_the_editor_offers_drafts_beside_the_outline_guidance(client, session, world):
    _report(session, world)
    session.commit()
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/report"
    page = client.get(base).get_data(as_text=True)
    assert "生成初稿" in page and wording.guidance()["overview"] in page
    response = client.post(f"{base}/drafts", data={"csrf_token": csrf_token(client, base)})
    assert response.status_code == 303
    session.expire_all()
    assert "1,000,000.00元" in service.report_for(session, world.engagement).section_text("overview")


def test_two_saves_racing_to_write_a_sections_first_text_both_land(app, session):
    """The second save's report has no row for the section yet, but the first save committed one meanwhile
    (two tabs, or a blur and the typing timer): the second updates that row instead of failing."""
    from sqlalchemy.orm import Session

    from evalplatform.reporting.models import Report, ReportSection

    world = factories.World(session)
    report = service.start_report(session, world.engagement, world.evaluator, factories.NOW)
    session.commit()
    assert report.section_text("suggestions") == ""  # loaded: this session's report has no such row
    with Session(app.extensions["evalplatform.db"].engine) as other:
        first = other.get(Report, report.id)
        service.save_section(other, first, "suggestions", "第一次保存", world.evaluator, factories.NOW)
        other.commit()
    service.save_section(session, report, "suggestions", "第二次保存", world.evaluator, factories.NOW)
    session.commit()
    rows = session.scalars(
        select(ReportSection).where(ReportSection.report_id == report.id, ReportSection.key == "suggestions")
    ).all()
    assert [r.body for r in rows] == ["第二次保存"]
