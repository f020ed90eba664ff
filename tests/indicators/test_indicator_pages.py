"""The tree editor, the scoring workspace's JSON endpoints, the score sheet and its XLSX export."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from evalplatform.audit.models import AuditEvent
from evalplatform.indicators import service
from evalplatform.indicators.models import Indicator
from tests import factories
from tests.conftest import csrf_token, login, post_form


@pytest.fixture
def world(world, client):
    login(client, world.evaluator.username)
    return world


def base(world):
    return f"/engagements/{world.engagement.id}/indicators"


@pytest.fixture
def tree(world, client, session):
    response = post_form(client, base(world) + "/create", {"framework_code": "project_common_2020"}, page=base(world))
    assert response.status_code == 303
    return service.tree_for(session, world.engagement)


def leaf(session, tree, name):
    return session.scalar(select(Indicator).where(Indicator.tree_id == tree.id, Indicator.name == name))


def post_json(client, world, url, body):
    token = csrf_token(client, base(world))
    return client.post(url, json=body, headers={"X-CSRFToken": token, "Accept": "application/json"})


def test_the_evaluator_builds_a_tree_from_a_template_and_sees_it(client, world, tree):
    html = client.get(base(world)).get_data(as_text=True)
    assert "立项依据充分性" in html and "分值校验通过" in html
    assert len(tree.indicators) == 32


def test_editing_a_points_field_answers_with_the_weight_check(client, world, tree, session):
    indicator = leaf(session, tree, "实际完成率")
    response = post_json(client, world, f"{base(world)}/{indicator.id}/edit", {"points": "8"})
    assert response.status_code == 200
    assert response.json["check"]["problems"] == ["“产出数量”下的三级指标分值合计 8 分，应为 10 分"]
    bad = post_json(client, world, f"{base(world)}/{indicator.id}/edit", {"points": "abc"})
    assert bad.status_code == 422 and bad.json["error"] == "分值“abc”不是有效的数值"


def test_a_json_post_without_the_csrf_header_is_refused(client, world, tree, session):
    indicator = leaf(session, tree, "实际完成率")
    response = client.post(f"{base(world)}/{indicator.id}/edit", json={"points": "8"})
    assert response.status_code == 400


def test_scoring_one_indicator_returns_the_new_total_and_grade(client, world, tree, session):
    indicator = leaf(session, tree, "服务对象满意度")
    response = post_json(client, world, f"{base(world)}/{indicator.id}/score", {"actual_value": "81", "rationale": ""})
    assert response.status_code == 200, response.json
    summary = response.json["summary"]
    assert summary["scores"][str(indicator.id)] == "9.00"  # 10 × 81/90
    assert summary["total"] == "9.0" and summary["grade_label"] == "差"
    assert summary["missing"] == [indicator.id]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "indicators.scored")).one()
    assert event.details["after"]["score"] == "9"


def test_a_refused_score_stores_nothing_and_says_why(client, world, tree, session):
    indicator = leaf(session, tree, "完成及时性")
    response = post_json(
        client,
        world,
        f"{base(world)}/{indicator.id}/score",
        {"actual_value": "7", "inputs": {"band": "achieved"}, "rationale": "延期"},
    )
    assert response.status_code == 422
    assert "所选档次的得分应在 8.00 至 10.00 分之间" in response.json["error"]
    session.expire_all()
    assert leaf(session, tree, "完成及时性").score is None


def test_the_score_sheet_exports_the_same_layout(client, world, tree, session):
    indicator = leaf(session, tree, "资金到位率")
    post_json(
        client,
        world,
        f"{base(world)}/{indicator.id}/score",
        {"inputs": {"funds_in_place": "3600", "budget": "4000"}, "rationale": "市级资金未足额到位"},
    )
    html = client.get(base(world) + "/sheet").get_data(as_text=True)
    assert "市级资金未足额到位" in html and "2.7分" in html and "90.0%" in html
    assert "资金到位率 = 实际到位资金 / 预算资金 = 3,600 / 4,000 = 90.0%" in html
    assert "未评分" in html  # the indicators not scored yet, never 0 or a dash
    response = client.get(base(world) + "/sheet.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = (
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "实际完成",
        "计算",
        "分值",
        "得分",
        "得分率（%）",
        "扣分原因",
    )
    assert rows[0] == header  # the page's columns
    computed = "资金到位率 = 实际到位资金 / 预算资金 = 3,600 / 4,000 = 90.0%"
    cells = [tuple("" if v is None else v for v in row) for row in rows]
    assert next(r for r in cells if r[2] == "资金到位率")[5:] == (computed, 3, 2.7, 90, "市级资金未足额到位")
    assert rows[-2][0] == "合计" and rows[-1][0] == "评价等级"


def test_the_bureau_neither_reads_the_working_sheet_nor_scores(client, world, tree, session):
    """Scores reach the bureau as issued (its portal), never from the firm's working sheet."""
    indicator = leaf(session, tree, "资金到位率")
    bureau_user = factories.user(session, "bureau", bureau=world.bureau)
    session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    login(client, bureau_user.username)
    assert client.get(base(world) + "/scoring").status_code == 404
    token = csrf_token(client, "/bureau")
    response = client.post(
        f"{base(world)}/{indicator.id}/score", json={"actual_value": "1"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 404


def test_an_indicator_of_another_engagement_is_404(client, world, tree, session):
    mine = factories.engagement(session, world.evaluator, world.bureau)
    session.commit()
    indicator = leaf(session, tree, "资金到位率")
    token = csrf_token(client, base(world))
    response = client.post(
        f"/engagements/{mine.id}/indicators/{indicator.id}/score",
        json={"actual_value": "1"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 404


def test_adding_and_removing_a_custom_indicator(client, world, tree, session):
    parent = leaf(session, tree, "产出数量")
    response = post_form(
        client, base(world) + "/add", {"parent_id": parent.id, "name": "改造里程", "points": "5"}, page=base(world)
    )
    assert response.status_code == 303
    added = leaf(session, tree, "改造里程")
    assert added.is_custom and added.level == 3
    assert "“产出数量”下的三级指标分值合计 15 分" in client.get(base(world)).get_data(as_text=True)
    assert post_form(client, f"{base(world)}/{added.id}/delete", {}, page=base(world)).status_code == 303
    session.expire_all()
    assert leaf(session, tree, "改造里程") is None


def test_evidence_is_cited_for_an_indicator_and_shown_in_the_workspace(client, world, tree, session, app):
    from evalplatform.evidence.service import store_upload
    from evalplatform.evidence.store import BlobStore
    from tests.evidence import files

    photo = store_upload(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=BytesIO(files.jpeg()),
        filename="路面.jpg",
        max_bytes=10**6,
    ).evidence
    session.commit()
    indicator = leaf(session, tree, "质量达标率")
    page = base(world) + "/scoring"
    response = post_form(client, f"{base(world)}/{indicator.id}/evidence", {"evidence_id": photo.id}, page=page)
    assert response.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert f'title="路面.jpg">{photo.code}</a>' in html
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "indicators.evidence_linked")).one()
    assert event.details["after"] == {"evidence": photo.code}
    other = factories.engagement(session, world.evaluator, world.bureau)
    session.commit()
    response = post_form(
        client, f"/engagements/{other.id}/indicators/{indicator.id}/evidence", {"evidence_id": photo.id}, page=page
    )
    assert response.status_code == 404


def test_a_rule_that_cannot_score_is_named_in_the_editor(client, world, tree, session):
    indicator = leaf(session, tree, "完成及时性")
    response = post_json(client, world, f"{base(world)}/{indicator.id}/edit", {"method": "ratio_higher_better"})
    assert response.json["check"]["problems"] == ["“完成及时性”：按比例计分的指标必须设定指标值（目标值）"]
    assert "“完成及时性”：按比例计分的指标必须设定指标值" in client.get(base(world)).get_data(as_text=True)
