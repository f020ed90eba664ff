"""The demo bureau has issued reports to browse: several projects and the department, over two years."""
from datetime import date

from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.audit.service import verify_chains
from evalplatform.bureau import service
from evalplatform.demo import load_demo
from tests.conftest import login


def test_the_demo_bureau_browses_issued_reports_and_tracks_results(session, app, client):
    load_demo(session, app.config["STORAGE_DIR"])
    session.commit()
    bureau = session.scalar(select(User).where(User.username == "bureau"))
    rows = service.all_dashboard_rows(session, bureau, service.DashboardFilters(), date.today())
    summary = service.summarize(rows)
    assert summary.reports == 5 and set(summary.by_year) == {2024, 2025}
    assert any(r.engagement.kind.value == "department" for r in rows)
    assert all(r.latest.total_score is not None and r.latest.grade in "优良中差" for r in rows)
    assert summary.overdue_items == 1 and summary.open_items >= 2
    assert verify_chains(session)[1] is None
    login(client, "bureau", "demo-pass-2026")
    html = client.get("/bureau").get_data(as_text=True)
    assert "高标准农田建设项目" in html and "部门整体支出" in html
    first = rows[0]
    pdf = client.get(f"/bureau/reports/{first.report.id}/versions/1/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
