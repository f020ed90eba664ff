"""复核 and issuance through the web: who may do what, what an issued version freezes, what the bureau sees."""

import hashlib
import subprocess

import pytest
from sqlalchemy import select

from evalplatform.audit.service import verify_chains
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import TeamRole
from evalplatform.evidence.models import Evidence
from evalplatform.reporting.models import Report, ReportStatus, ReportVersion
from tests import factories
from tests.conftest import csrf_token, login

pytestmark = pytest.mark.usefixtures("readiness_waived")  # these test the workflow, not completeness


@pytest.fixture
def world(session):
    world = factories.World(session)
    engagements.add_team_member(
        session, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
    )
    session.commit()
    return world


def act(client, world, action, comment=""):
    base = f"/engagements/{world.engagement.id}/report"
    return client.post(f"{base}/{action}", data={"csrf_token": csrf_token(client, base), "comment": comment})


def switch(client, user):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    login(client, user.username)


def status(session, world) -> ReportStatus:
    session.expire_all()
    return session.scalar(select(Report.status).where(Report.engagement_id == world.engagement.id))


def flashed(response_client, world) -> str:
    return response_client.get(f"/engagements/{world.engagement.id}/report").get_data(as_text=True)


def write_and_submit(client, world):
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/report"
    client.post(f"{base}/start", data={"csrf_token": csrf_token(client, base)})
    token = csrf_token(client, base)
    response = client.post(
        f"{base}/sections/suggestions",
        data={"csrf_token": token, "body": "加强后续管护。"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.json["chars"] == 7
    assert act(client, world, "submit").status_code == 303


def test_the_author_cannot_review_and_a_return_needs_a_comment(client, session, world):
    write_and_submit(client, world)
    act(client, world, "approve")
    assert status(session, world) is ReportStatus.submitted  # evaluators do not review
    switch(client, world.reviewer)
    act(client, world, "return")
    assert "退回时必须填写复核意见" in flashed(client, world)
    assert status(session, world) is ReportStatus.submitted
    act(client, world, "return", "第四部分缺少产出数量分析")
    assert status(session, world) is ReportStatus.returned
    switch(client, world.evaluator)
    assert "第四部分缺少产出数量分析" in flashed(client, world)


def test_a_reviewer_who_wrote_the_report_cannot_approve_it(client, session, world):
    login(client, world.reviewer.username)
    base = f"/engagements/{world.engagement.id}/report"
    client.post(f"{base}/start", data={"csrf_token": csrf_token(client, base)})
    act(client, world, "submit")
    assert act(client, world, "approve").status_code == 403
    assert status(session, world) is ReportStatus.submitted


def issue(client, session, world):
    write_and_submit(client, world)
    switch(client, world.reviewer)
    act(client, world, "approve")
    assert act(client, world, "issue").status_code == 303
    assert status(session, world) is ReportStatus.issued


def test_issuing_freezes_pdf_and_xlsx_as_evidence_with_the_hash_in_the_pdf(client, session, world, app, tmp_path):
    issue(client, session, world)
    version = session.scalar(select(ReportVersion))
    pdf_evidence, xlsx_evidence = (
        session.get(Evidence, version.pdf_evidence_id),
        session.get(Evidence, version.xlsx_evidence_id),
    )
    response = client.get(f"/engagements/{world.engagement.id}/report/versions/1/pdf")
    assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == pdf_evidence.blob_sha256
    (tmp_path / "v1.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "v1.pdf"), "-"], capture_output=True, text=True).stdout
    compact = "".join(text.split())
    assert version.content_sha256 in compact and "第1版" in compact and "征求意见稿" not in compact
    assert xlsx_evidence.mime.endswith("spreadsheetml.sheet")
    assert verify_chains(session)[1] is None
    # Immutable: no more edits, no second issue of the same version.
    base = f"/engagements/{world.engagement.id}/report"
    client.post(f"{base}/sections/other", data={"csrf_token": csrf_token(client, base), "body": "改动"})
    session.expire_all()
    assert session.scalar(select(Report)).section_text("other") == ""
    act(client, world, "issue")
    assert len(session.scalars(select(ReportVersion)).all()) == 1


def test_reissuing_needs_a_reason_and_keeps_the_old_version(client, session, world):
    issue(client, session, world)
    act(client, world, "reopen")
    assert status(session, world) is ReportStatus.issued
    act(client, world, "reopen", "财政局反馈：补充满意度调查结果")
    assert status(session, world) is ReportStatus.draft
    switch(client, world.evaluator)
    act(client, world, "submit")
    switch(client, world.reviewer)
    act(client, world, "approve")
    act(client, world, "issue")
    versions = session.scalars(select(ReportVersion).order_by(ReportVersion.version)).all()
    assert [v.version for v in versions] == [1, 2] and versions[1].reason == "财政局反馈：补充满意度调查结果"
    for number in (1, 2):
        assert client.get(f"/engagements/{world.engagement.id}/report/versions/{number}/pdf").status_code == 200


def test_the_bureau_reads_issued_versions_in_its_portal_and_never_the_firms_pages(client, session, world):
    write_and_submit(client, world)
    switch(client, world.bureau_user)
    url = f"/engagements/{world.engagement.id}/report"
    assert client.get(url).status_code == 404
    report = session.scalar(select(Report).where(Report.engagement_id == world.engagement.id))
    portal = f"/bureau/reports/{report.id}"
    assert client.get(portal).status_code == 404  # nothing before the first issuance
    switch(client, world.reviewer)
    act(client, world, "approve")
    act(client, world, "issue")
    switch(client, world.bureau_user)
    assert client.get(url).status_code == 404 and client.get(f"{url}/versions/1/pdf").status_code == 404
    page = client.get(portal).get_data(as_text=True)
    assert report.title in page and "下载 PDF" in page and "提交复核" not in page
    assert client.get(f"{portal}/versions/1/pdf").status_code == 200
    assert client.get(f"{portal}/versions/1/xlsx").status_code == 200
    assert act(client, world, "reopen", "x").status_code == 404
    switch(client, world.other_bureau_user)
    assert client.get(portal).status_code == 404 and client.get(f"{portal}/versions/1/pdf").status_code == 404


def test_a_draft_renders_as_a_job_the_page_can_poll(client, session, world):
    write_and_submit(client, world)
    base = f"/engagements/{world.engagement.id}/report"
    response = client.post(
        f"{base}/render", data={"csrf_token": csrf_token(client, base)}, headers={"Accept": "application/json"}
    )
    state = client.get(response.json["status_url"]).json
    assert state["status"] == "done" and state["progress"] == 100 and state["pages"] >= 5
    pdf = client.get(state["download_url"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_no_route_changes_an_issued_report(client, session, world):
    issue(client, session, world)
    switch(client, world.evaluator)
    base = f"/engagements/{world.engagement.id}/report"
    before = session.scalar(select(Report))
    title, sections = before.title, {s.key: s.body for s in before.sections}
    token = csrf_token(client, base)
    for url, data in [
        (f"{base}/header", {"title": "改过的标题"}),
        (f"{base}/sections/suggestions", {"body": "改动"}),
        (f"{base}/start", {}),
        (f"{base}/submit", {}),
        (f"{base}/approve", {}),
        (f"{base}/issue", {}),
    ]:
        client.post(url, data={"csrf_token": token, **data})
    session.expire_all()
    after = session.scalar(select(Report))
    assert after.status is ReportStatus.issued and after.title == title
    assert {s.key: s.body for s in after.sections} == sections
    assert len(session.scalars(select(ReportVersion)).all()) == 1


def test_the_editor_script_speaks_the_page_language(client, session, world):
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/report"
    client.post(f"{base}/start", data={"csrf_token": csrf_token(client, base)})
    english = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert '"rendering": "Rendering {n}%"' in english and '"chars": "{n} characters"' in english
    chinese = client.get(f"{base}?lang=zh_Hans_CN").get_data(as_text=True)
    assert '"rendering": "\\u751f\\u6210\\u4e2d {n}%"' in chinese  # 生成中, as tojson writes it
