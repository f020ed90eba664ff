"""Who may see what (design.md §9, docs/security.md): walk the WHOLE URL map with every role.

Every route that takes an object id is filled with real ids of the demo road project, issued once and then
reopened with draft content carrying a marker. Each role must get the route where the disclosure table
allows it and a 404 everywhere else (anonymous: the login page); no page or download the bureau or the audit
office can reach may contain the marker, i.e. nothing that was not issued.
"""

from __future__ import annotations

import io
import random
import subprocess
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from evalplatform import policy
from evalplatform.accounts.models import User
from evalplatform.audit.models import AuditEvent
from evalplatform.bureau import service as bureau_service
from evalplatform.crosscheck.findings import FindingFields, create_finding
from evalplatform.crosscheck.models import CrossCheck, Finding, SampleItem, VerificationSample
from evalplatform.demo import DEMO_PASSWORD, load_demo
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import Engagement, TeamMember
from evalplatform.evidence.models import Evidence
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.indicators.models import Indicator, IndicatorTree
from evalplatform.inspections.models import Inspection
from evalplatform.instruments.models import Instrument
from evalplatform.materials import drafts as material_drafts
from evalplatform.materials.models import ImportDraft
from evalplatform.questionnaires import service as questionnaires
from evalplatform.questionnaires.models import Distribution, Response
from evalplatform.questionnaires.simulate import simulated_answers
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import Report
from evalplatform.scoring import service as scoring
from tests import factories
from tests.conftest import CSRF_RE
from tests.evidence import files
from tests.materials import workbooks

MARKER = "未出具草稿-MARKER-7F3A"
ROLES = ["evaluator", "reviewer", "outsider", "bureau", "other_bureau", "auditor", "unshared_auditor", "anonymous"]
SIGNED_IN = ROLES[:-1]

# The disclosure table (docs/security.md), by what a route's object is: who gets it; everyone else 404.
AUDIENCE = {
    "working_papers": {"evaluator", "reviewer"},  # the firm's team on the engagement
    "issued": {"bureau", "auditor"},  # issued versions, annexes (portal pages)
    "bureau_act": {"bureau"},  # sharing, 结果应用 (the bureau's own acts)
    "commission": {"evaluator", "reviewer", "bureau"},  # both parties of the commission
    "firm_admin": set(),  # the firm admin's user management
}


def audience_of(rule) -> str | None:
    """What kind of object the route's id names; None for the public capability URLs."""
    path = rule.rule
    if path.startswith(("/s/<", "/static/<")):
        return None  # the respondent's link and static files: public by design, no object of anyone's
    if path.startswith("/engagements/<int:engagement_id>"):
        return "working_papers"
    if path.startswith("/bureau/reports/<int:report_id>"):
        return "issued" if "GET" in rule.methods else "bureau_act"
    if path.startswith("/bureau/applications/<int:application_id>"):
        return "bureau_act"
    if path.startswith("/commissions/<int:commission_id>"):
        return "commission"
    if path.startswith("/users/<int:user_id>"):
        return "firm_admin"
    raise AssertionError(f"route {path} takes an id but has no row in the disclosure table: add one")


@dataclass
class Scene:
    ids: dict
    users: dict
    report: Report
    road: Engagement


def _first(session, query):
    found = session.scalars(query.limit(1)).first()
    assert found is not None, query
    return found


@pytest.fixture
def scene(app, session) -> Scene:
    storage = app.config["STORAGE_DIR"]
    load_demo(session, storage, portfolio=False)
    users = {
        name: session.scalar(select(User).where(User.username == name))
        for name in ("evaluator", "reviewer", "bureau", "auditor", "admin")
    }
    users["outsider"] = factories.user(session, "evaluator", firm=factories.firm(session), username="outsider")
    users["other_bureau"] = factories.user(session, "bureau", bureau=factories.bureau(session), username="otherbureau")
    users["unshared_auditor"] = factories.user(session, "auditor", bureau=users["bureau"].bureau, username="auditor2")
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    dept = session.scalar(select(Engagement).where(Engagement.title.like("%部门整体支出%")))
    store = BlobStore(storage)
    evaluator, reviewer, now = users["evaluator"], users["reviewer"], factories.NOW
    photo = _first(session, select(Evidence).where(Evidence.engagement_id == road.id, Evidence.mime == "image/jpeg"))

    report = reporting.start_report(session, road, evaluator, now)
    reporting.save_section(session, report, "suggestions", "落实长效管护资金。", evaluator, now)
    reporting.attach_annex(session, report, photo, evaluator, now)
    reporting.submit(session, report, evaluator, now)
    reporting.approve(session, report, reviewer, now)
    version = reporting.issue(session, report, store, reviewer, now, firm_name=road.firm.name)
    bureau_service.share_report(session, report, users["auditor"].id, users["bureau"], now)
    application = bureau_service.add_application(
        session,
        report,
        bureau_service.ApplicationInput(kind="rectification", requirement="补齐养护台账"),
        users["bureau"],
        now,
    )
    _draft_with_marker(session, store, road, dept, report, users, now)
    pdf_sha256 = session.get(Evidence, version.pdf_evidence_id).blob_sha256
    job = factories.render_job(session, report, pdf_sha256=pdf_sha256, pages=version.pages, now=now)
    session.commit()
    return Scene(ids=_ids(session, road, report, photo, application, job, users), users=users, report=report, road=road)


def _draft_with_marker(session, store, road, dept, report, users, now) -> None:
    """After the issuance: the next version's draft, and fresh working papers, all carrying the marker."""
    evaluator = users["evaluator"]
    later = now + timedelta(days=1)
    reporting.reopen(session, report, evaluator, later, "补充满意度调查")
    reporting.save_section(session, report, "problems", f"{MARKER} 新发现的问题", evaluator, later)
    reporting.update_header(session, report, f"{report.title}（{MARKER}）", None, evaluator, later)
    create_finding(session, road, evaluator, later, FindingFields(title=f"{MARKER} 问题", description=MARKER))
    leaf = _first(
        session,
        select(Indicator)
        .join(IndicatorTree)
        .where(IndicatorTree.engagement_id == road.id, Indicator.name == "社会效益"),
    )
    scoring.record_score(session, leaf, evaluator, later, rationale=f"{MARKER} 扣分原因")
    store_upload(
        session,
        store,
        road,
        evaluator,
        later,
        stream=io.BytesIO(files.jpeg()),
        filename=f"{MARKER}.jpg",
        max_bytes=10**6,
    )
    engagements.save_site(
        session, road, evaluator, later, name=f"{MARKER} 勘查点", address=None, latitude=None, longitude=None
    )
    distribution = _first(session, select(Distribution).where(Distribution.engagement_id == road.id))
    answers = simulated_answers(distribution.version.definition, random.Random(7), 0.9)
    questionnaires.submit_response(session, distribution, uuid.uuid4(), {**answers, "suggestion": MARKER}, later)
    draft = reporting.start_report(session, dept, evaluator, later)  # never issued: the bureau sees nothing of it
    reporting.save_section(session, draft, "experience", MARKER, evaluator, later)
    material_drafts.start_draft(
        session,
        store,
        road,
        evaluator,
        later,
        kind="ledger",
        name=MARKER,
        stream=io.BytesIO(workbooks.xlsx(workbooks.ledger_workbook())),
        filename=f"{MARKER}.xlsx",
        max_bytes=10**7,
    )


def _ids(session, road, report, photo, application, job, users) -> dict:
    e = road.id
    instrument = _first(session, select(Instrument).where(Instrument.engagement_id == e))
    sample = _first(session, select(VerificationSample).where(VerificationSample.engagement_id == e))
    return {
        "engagement_id": e,
        "report_id": report.id,
        "version": 1,
        "kind": "pdf",
        "key": "suggestions",
        "action": "submit",
        "rule": "straight_lining",
        "job_id": job.id,
        "evidence_id": photo.id,
        "check_id": _first(session, select(CrossCheck.id).where(CrossCheck.engagement_id == e)),
        "finding_id": _first(session, select(Finding.id).where(Finding.engagement_id == e)),
        "indicator_id": _first(
            session, select(Indicator.id).join(IndicatorTree).where(IndicatorTree.engagement_id == e)
        ),
        "inspection_id": _first(session, select(Inspection.id).where(Inspection.engagement_id == e)),
        "instrument_id": instrument.id,
        "code": "sat01",
        "sample_id": sample.id,
        "item_id": _first(session, select(SampleItem.id).where(SampleItem.sample_id == sample.id)),
        "site_id": road.sites[0].id,
        "member_id": _first(
            session,
            select(TeamMember.id).where(TeamMember.engagement_id == e, TeamMember.user_id == users["reviewer"].id),
        ),
        "distribution_id": _first(session, select(Distribution.id).where(Distribution.engagement_id == e)),
        "response_id": _first(session, select(Response.id).join(Distribution).where(Distribution.engagement_id == e)),
        "draft_id": _first(session, select(ImportDraft.id).where(ImportDraft.engagement_id == e)),
        "application_id": application.id,
        "commission_id": road.commission_id,
        "user_id": users["reviewer"].id,
    }


def id_routes(app, ids: dict) -> list[tuple[str, str, str]]:
    """(method, url, audience) of every route taking an argument, filled with the scene's ids."""
    routes = []
    for rule in app.url_map.iter_rules():
        audience = audience_of(rule) if rule.arguments else None
        if audience is None:
            continue
        wanted = [a for a in rule.arguments if a not in (rule.defaults or {})]
        missing = [a for a in wanted if a not in ids]
        assert not missing, f"{rule.rule}: no id for {missing} in the scene"
        url = rule.build({a: ids[a] for a in wanted}, append_unknown=False)[1]
        routes += [(method, url, audience) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def signed_in(app, role: str, users: dict):
    client = app.test_client()
    if role != "anonymous":
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        password = (
            DEMO_PASSWORD
            if users[role].username in ("evaluator", "reviewer", "bureau", "auditor")
            else factories.PASSWORD
        )
        response = client.post(
            "/login", data={"username": users[role].username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, role
    return client


def any_csrf_token(client) -> str:
    for page in ("/bureau", "/engagements", "/commissions", "/login"):
        match = CSRF_RE.search(client.get(page).get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError("no page with a CSRF token")


def shown_text(response) -> str:
    """What a person would read in the response: HTML/JSON text, a workbook's cells, a PDF's text."""
    body = response.get_data()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "".join(workbook.read(n).decode("utf-8", "ignore") for n in workbook.namelist())
    if body.startswith(b"%PDF"):
        return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    return body.decode("utf-8", "ignore")


def audit_length(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AuditEvent.id)))


def walk(app, scene, role: str) -> tuple[list, int]:
    """Open every id route as `role`: (the answers that differ from the table, how many were opened)."""
    client = signed_in(app, role, scene.users)
    token = any_csrf_token(client)
    wrong, opened = [], 0
    for method, url, audience in id_routes(app, scene.ids):
        allowed = role in AUDIENCE[audience]
        if method != "GET" and allowed:
            continue  # allowed changes are each feature's own tests; here only refusals are posted
        response = client.open(url, method=method, data={"csrf_token": token})
        opened += 1
        if role == "anonymous":
            ok = response.status_code == 302 and "/login" in response.headers.get("Location", "")
        else:
            ok = response.status_code == (200 if allowed else 404)
        if not ok:
            wrong.append((method, url, response.status_code))
        if allowed and role in ("bureau", "auditor"):
            assert MARKER not in shown_text(response), url
    return wrong, opened


def test_every_id_route_answers_every_role_as_the_disclosure_table_says(app, session, scene):
    assert len(id_routes(app, scene.ids)) > 90
    before = audit_length(session)
    report = {role: walk(app, scene, role) for role in ROLES}
    assert {role: wrong for role, (wrong, _n) in report.items() if wrong} == {}
    assert all(opened > 20 for _wrong, opened in report.values())
    assert audit_length(session) == before + len(ROLES) - 1  # the logins; no refused request changed anything


def test_the_policy_module_agrees_with_the_table(app, session, scene):
    """policy.may_see (what views ask through web.get_or_404) says the same as the table the walk used."""
    report_version = scene.report.versions[0]
    for role in SIGNED_IN:
        user = session.get(User, scene.users[role].id)
        assert policy.may_see(session, user, scene.road) is (role in AUDIENCE["working_papers"]), role
        readable = role in AUDIENCE["issued"]
        assert policy.may_see(session, user, report_version) is (readable or role in AUDIENCE["working_papers"]), role
        assert (policy.readable_report(session, user, scene.report.id) is not None) is readable, role


@pytest.mark.parametrize("role", ["bureau", "auditor"])
def test_nothing_the_bureau_side_can_open_shows_draft_content(app, session, scene, role):
    """Every GET page without an id too (dashboard, exports, tracking, commissions), and every link on them."""
    client = signed_in(app, role, scene.users)
    pages = [r.rule for r in app.url_map.iter_rules() if not r.arguments and "GET" in r.methods]
    opened = 0
    for url in pages:
        response = client.get(url)
        if response.status_code == 200:
            opened += 1
            assert MARKER not in shown_text(response), url
    assert opened >= 4
    html = client.get("/bureau").get_data(as_text=True)
    # The issued version's title, not the draft's (the header was changed after issuance).
    assert scene.report.versions[0].content["title"] in html and html.count('href="/bureau/reports/') == 1


def test_the_bureau_downloads_annexes_of_issued_versions_and_no_other_original(app, session, scene):
    client = signed_in(app, "bureau", scene.users)
    report_id, annex = scene.report.id, scene.ids["evidence_id"]
    assert client.get(f"/bureau/reports/{report_id}/versions/1/annexes/{annex}").status_code == 200
    other = session.scalar(select(Evidence.id).where(Evidence.engagement_id == scene.road.id, Evidence.id != annex))
    assert client.get(f"/bureau/reports/{report_id}/versions/1/annexes/{other}").status_code == 404
    assert client.get(f"/bureau/reports/{report_id}/versions/2/annexes/{annex}").status_code == 404
    assert client.get(f"/engagements/{scene.road.id}/evidence/{annex}/download").status_code == 404


def test_the_bureau_sees_nothing_of_an_engagement_before_its_first_issuance(app, session, scene):
    dept_report = session.scalar(select(Report).join(Engagement).where(Engagement.title.like("%部门整体支出%")))
    for role in ("bureau", "auditor"):
        client = signed_in(app, role, scene.users)
        assert client.get(f"/bureau/reports/{dept_report.id}").status_code == 404
        assert client.get(f"/engagements/{dept_report.engagement_id}").status_code == 404
    bureau = session.get(User, scene.users["bureau"].id)
    assert policy.readable_report_of(session, bureau, dept_report.engagement_id) is None
