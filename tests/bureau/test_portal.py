"""The bureau portal: what each reader sees, the dashboard figures, shares with the audit office, 结果应用."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.audit.service import verify_chains
from evalplatform.bureau.models import ApplicationStatus, ResultApplication
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import service as reporting
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files


def issued(session, store, world, engagement, *, total, grade, findings=None, version=1):
    """An issued report with real stored files; the rendering itself is covered in tests/reporting."""
    report = reporting.start_report(session, engagement, world.evaluator, factories.NOW)
    pdf, xlsx = (
        store_upload(
            session,
            store,
            engagement,
            world.reviewer,
            factories.NOW,
            stream=BytesIO(data),
            filename=name,
            max_bytes=10**6,
        ).evidence
        for data, name in ((files.pdf(), "报告.pdf"), (files.xlsx(), "附表.xlsx"))
    )
    factories.issued_version(
        session,
        report,
        world.reviewer,
        pdf=pdf,
        xlsx=xlsx,
        version=version,
        total=total,
        grade=grade,
        findings=findings,
    )
    return report


@pytest.fixture
def portfolio(session, app):
    world = factories.World(session)
    store = BlobStore(app.config["STORAGE_DIR"])
    road = issued(
        session, store, world, world.engagement, total=Decimal("91.50"), grade="优", findings={"一般": 2, "重要": 1}
    )
    school = issued(
        session,
        store,
        world,
        factories.engagement(session, world.evaluator, world.bureau, fiscal_year=2024, category="教育"),
        total=Decimal("72.00"),
        grade="中",
        findings={"一般": 1},
    )
    factories.engagement(session, world.evaluator, world.bureau, title="尚在撰写的项目")  # no issued report
    foreign = issued(
        session,
        store,
        world,
        factories.engagement(session, world.evaluator, world.other_bureau, title="别的财政局的项目"),
        total=Decimal("60"),
        grade="中",
    )
    world.auditor = factories.user(session, "auditor", bureau=world.bureau)
    world.other_auditor = factories.user(session, "auditor", bureau=world.other_bureau)
    session.commit()
    return world, road, school, foreign


def test_the_dashboard_shows_this_bureaus_issued_reports_with_their_figures(client, portfolio):
    world, road, school, foreign = portfolio
    login(client, world.bureau_user.username)
    html = client.get("/bureau").get_data(as_text=True)
    assert road.title in html and school.title in html
    assert foreign.title not in html and "尚在撰写的项目" not in html
    assert "81.75" not in html  # years are separate groups: 2025 → 91.50, 2024 → 72.00
    assert "91.50" in html and "72.00" in html
    filtered = client.get("/bureau?category=教育").get_data(as_text=True)
    assert school.title in filtered and road.title not in filtered
    book = load_workbook(BytesIO(client.get("/bureau/export.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "预算年度" and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {road.engagement.title, school.engagement.title}
    assert {r[9] for r in rows[1:]} == {3, 1}  # findings per report


def test_the_summary_counts_grades_and_means(session, portfolio):
    from evalplatform.bureau import service

    world, *_ = portfolio
    rows = service.all_dashboard_rows(session, world.bureau_user, service.DashboardFilters(), date(2026, 3, 1))
    summary = service.summarize(rows)
    assert summary.reports == 2 and summary.grades["优"] == 1 and summary.grades["中"] == 1
    assert summary.by_year == {2025: (1, Decimal("91.50")), 2024: (1, Decimal("72.00"))}
    assert summary.findings == {"一般": 3, "重要": 1}


def test_readers_outside_the_bureau_and_firm_users_see_nothing(client, portfolio):
    world, road, *_ = portfolio
    urls = [
        "/bureau",
        f"/bureau/reports/{road.id}",
        f"/bureau/reports/{road.id}/versions/1/pdf",
        "/bureau/applications",
    ]
    login(client, world.evaluator.username)
    assert all(client.get(u).status_code == 404 for u in urls)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    login(client, world.other_bureau_user.username)
    assert client.get(urls[1]).status_code == 404 and client.get(urls[2]).status_code == 404
    assert road.title not in client.get("/bureau").get_data(as_text=True)


def test_the_audit_office_reads_only_what_was_shared(client, session, portfolio):
    world, road, school, _foreign = portfolio
    login(client, world.auditor.username)
    assert client.get(f"/bureau/reports/{road.id}").status_code == 404
    assert client.get(f"/engagements/{road.engagement_id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bureau")})
    login(client, world.bureau_user.username)
    page = f"/bureau/reports/{road.id}"
    client.post(f"{page}/share", data={"csrf_token": csrf_token(client, page), "auditor_id": world.other_auditor.id})
    client.post(
        f"{page}/share",
        data={"csrf_token": csrf_token(client, page), "auditor_id": world.auditor.id, "note": "审计抽查"},
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bureau")})
    login(client, world.auditor.username)
    html = client.get("/bureau").get_data(as_text=True)
    assert road.title in html and school.title not in html
    assert client.get(f"{page}/versions/1/pdf").data.startswith(b"%PDF")
    token = csrf_token(client, page)
    response = client.post(
        f"{page}/applications", data={"csrf_token": token, "kind": "rectification", "requirement": "x"}
    )
    assert response.status_code == 404  # recording 结果应用 is the bureau's act: to the audit office it does not exist
    client.post("/logout", data={"csrf_token": token})
    login(client, world.other_auditor.username)
    assert client.get(page).status_code == 404


def test_result_applications_are_recorded_tracked_and_audited(client, session, portfolio):
    world, road, *_ = portfolio
    login(client, world.bureau_user.username)
    page = f"/bureau/reports/{road.id}"
    past = (date.today() - timedelta(days=30)).isoformat()
    client.post(
        f"{page}/applications",
        data={
            "csrf_token": csrf_token(client, page),
            "kind": "rectification",
            "requirement": "<script>alert(1)</script>补齐管护台账",
            "due_date": past,
        },
    )
    client.post(
        f"{page}/applications",
        data={
            "csrf_token": csrf_token(client, page),
            "kind": "budget_adjustment",
            "requirement": "下年度预算调减",
            "budget_change": "-200,000.00",
        },
    )
    response = client.post(
        f"{page}/applications", data={"csrf_token": csrf_token(client, page), "kind": "other", "requirement": "  "}
    )
    assert "请填写结果应用内容" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ResultApplication)) == 2
    html = client.get("/bureau/applications?overdue=1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;补齐管护台账" in html and "下年度预算调减" not in html
    item = session.scalar(select(ResultApplication).where(ResultApplication.kind == "rectification"))
    client.post(
        f"/bureau/applications/{item.id}",
        data={"csrf_token": csrf_token(client, page), "status": "done", "progress_note": "已建立台账并报备"},
    )
    session.expire_all()
    assert session.get(ResultApplication, item.id).status is ApplicationStatus.done
    assert "补齐管护台账" not in client.get("/bureau/applications?overdue=1").get_data(as_text=True)
    budget = session.scalar(
        select(ResultApplication.budget_change).where(ResultApplication.kind == "budget_adjustment")
    )
    assert budget == Decimal("-200000.00")
    assert verify_chains(session)[1] is None

    sheet = load_workbook(BytesIO(client.get("/bureau/applications.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("被评价单位", "评价项目", "应用方式", "内容与要求") and len(rows) == 3
    by_kind = {row[2]: row for row in rows[1:]}
    assert by_kind["整改要求"][3] == "<script>alert(1)</script>补齐管护台账" and by_kind["整改要求"][7] == "已完成"
    assert by_kind["整改要求"][8] == "已建立台账并报备" and by_kind["整改要求"][10] is None  # done: not overdue
    assert rows[0][4] == "责任单位" and by_kind["预算调整"][5] == -200000
    overdue = load_workbook(BytesIO(client.get("/bureau/applications.xlsx?overdue=1").data)).active
    assert overdue.max_row == 1  # the header only: nothing is overdue any more


def test_another_bureau_cannot_touch_a_result_application(client, session, portfolio):
    world, road, *_ = portfolio
    login(client, world.bureau_user.username)
    page = f"/bureau/reports/{road.id}"
    client.post(
        f"{page}/applications",
        data={"csrf_token": csrf_token(client, page), "kind": "policy", "requirement": "修订管理办法"},
    )
    item_id = session.scalar(select(ResultApplication.id))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bureau")})
    login(client, world.other_bureau_user.username)
    response = client.post(
        f"/bureau/applications/{item_id}", data={"csrf_token": csrf_token(client, "/bureau"), "status": "done"}
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.get(ResultApplication, item_id).status is ApplicationStatus.open
    assert "修订管理办法" not in client.get("/bureau/applications").get_data(as_text=True)
    assert load_workbook(BytesIO(client.get("/bureau/applications.xlsx").data)).active.max_row == 1
