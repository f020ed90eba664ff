"""`evalplatform load-demo`: the demo a newcomer sees — engagements, photos, logins, and the bureau's portfolio."""

from datetime import date

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.audit.service import verify_chains
from evalplatform.bureau import service as bureau_service
from evalplatform.cli import load_demo_command
from evalplatform.demo import DEMO_PASSWORD
from evalplatform.engagements.models import Engagement
from evalplatform.evidence.models import Evidence
from tests.conftest import csrf_token, login


def test_demo_data_loads_once_with_a_bureau_portfolio(app, client, session):
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: app)
    assert runner.invoke(load_demo_command, obj=info).exit_code == 0
    assert "already" in runner.invoke(load_demo_command, obj=info).output
    engagements = session.scalars(select(Engagement)).all()
    assert {e.kind.value for e in engagements} == {"department", "project"} and len(engagements) == 6
    geotagged = [p for p in session.scalars(select(Evidence)) if "现场照片" in p.tags]
    assert len(geotagged) == 2 and all(p.latitude is not None and p.site_id for p in geotagged)

    bureau = session.scalar(select(User).where(User.username == "bureau"))
    rows = bureau_service.all_dashboard_rows(session, bureau, bureau_service.DashboardFilters(), date.today())
    summary = bureau_service.summarize(rows)
    assert summary.reports == 5 and set(summary.by_year) == {2024, 2025}
    assert any(r.engagement.kind.value == "department" for r in rows)
    assert all(r.latest.total_score is not None and r.latest.grade in "优良中差" for r in rows)
    assert summary.overdue_items == 1 and summary.open_items >= 2
    assert verify_chains(session)[1] is None

    for username in ("evaluator", "reviewer", "admin"):
        login(client, username, DEMO_PASSWORD)
        assert client.get("/engagements").get_data(as_text=True).count("绩效评价</a>") == 6, username
        client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    for username in ("bureau", "auditor"):  # the bureau side never opens the firm's list of engagements
        login(client, username, DEMO_PASSWORD)
        assert client.get("/engagements").status_code == 404
        client.post("/logout", data={"csrf_token": csrf_token(client, "/bureau")})
    login(client, "bureau", DEMO_PASSWORD)
    html = client.get("/bureau").get_data(as_text=True)
    assert "高标准农田建设项目" in html and "部门整体支出" in html
    # The five issued reports and nothing of the road project, which is still being worked on.
    assert html.count('href="/bureau/reports/') == 5 and "农村公路提档升级" not in html
    pdf = client.get(f"/bureau/reports/{rows[0].report.id}/versions/1/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
