"""委托: only an accepted commission links an engagement to a bureau; firms never see a list of bureaus."""

import pytest
from sqlalchemy import func, select

from evalplatform.audit.models import AuditEvent
from evalplatform.engagements import commissions
from evalplatform.engagements.models import Commission, CommissionStatus, Engagement
from evalplatform.reporting import service as reporting
from tests import factories
from tests.conftest import csrf_token, login, post_form

NOW = factories.NOW


def engagement_form(commission_id, **overrides):
    return {
        "title": "城市公园提升改造项目绩效评价",
        "evaluated_unit_name": "江州市园林局",
        "kind": "project",
        "commission_id": commission_id,
        "fiscal_year": "2025",
        "budget_amount": "5,000,000.00",
        "funding_source": "",
        "category": "基础设施",
        "period_start": "",
        "period_end": "",
        "description": "",
        **overrides,
    }


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count(model.id)))


def test_the_bureau_commissions_a_firm_by_name_and_the_firm_opens_the_engagement(client, session):
    world = factories.World(session)
    login(client, world.bureau_user.username)
    response = post_form(
        client,
        "/commissions",
        {"counterpart": world.firm.name, "project_name": "城市公园提升改造", "fiscal_year": "2025"},
    )
    assert response.status_code == 303
    granted = session.scalar(select(Commission).where(Commission.project_name == "城市公园提升改造"))
    assert granted.status is CommissionStatus.accepted and granted.firm_id == world.firm.id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bureau")})

    login(client, world.evaluator.username)
    form = client.get("/engagements/new").get_data(as_text=True)
    assert "城市公园提升改造" in form
    assert world.other_bureau.name not in form  # firms never see the list of bureaus
    assert post_form(client, "/engagements/new", engagement_form(granted.id)).status_code == 302
    created = session.scalar(select(Engagement).where(Engagement.commission_id == granted.id))
    assert created.bureau_id == world.bureau.id and created.firm_id == world.firm.id
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "Commission")) == "commission.create"
    )


def test_an_invitation_code_works_typed_loosely_and_a_partial_name_does_not(session):
    world = factories.World(session)
    code = world.firm.invitation_code.replace("-", "").lower()
    granted = commissions.commission_firm(session, world.bureau, f" {code} ", "项目甲", 2025, world.bureau_user, NOW)
    assert granted.firm_id == world.firm.id
    with pytest.raises(commissions.CommissionError, match="未找到该事务所"):
        commissions.commission_firm(session, world.bureau, world.firm.name[:3], "项目乙", 2025, world.bureau_user, NOW)


def test_a_firm_cannot_open_an_engagement_for_a_bureau_that_has_not_commissioned_it(client, session):
    world = factories.World(session)
    foreign = factories.commission(session, world.other_bureau, world.other_firm)
    asked = commissions.request_commission(
        session, world.evaluator, world.other_bureau.invitation_code, "自荐项目", 2025, NOW
    )
    used = world.engagement.commission_id
    session.commit()
    login(client, world.evaluator.username)
    before = count(session, Engagement)
    for commission_id in (foreign.id, asked.id, used, 999_999, ""):
        response = post_form(client, "/engagements/new", engagement_form(commission_id))
        assert response.status_code == 422, commission_id
    assert count(session, Engagement) == before
    with pytest.raises(commissions.CommissionError, match="财政局发起或确认委托后"):
        factories.engagements.create_engagement(
            session, factories.engagement_fields(commission_id=asked.id), world.evaluator, NOW
        )


def test_a_firms_request_links_nothing_until_the_bureau_accepts_it(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    post_form(
        client,
        "/commissions",
        {"counterpart": world.other_bureau.invitation_code, "project_name": "自荐项目", "fiscal_year": "2026"},
    )
    asked = session.scalar(select(Commission).where(Commission.project_name == "自荐项目"))
    assert asked.status is CommissionStatus.requested and asked.requested_by_firm
    assert asked not in commissions.open_commissions(session, world.firm.id)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})

    login(client, world.bureau_user.username)  # not the bureau asked: as if it did not exist
    token = csrf_token(client, "/bureau")
    assert client.post(f"/commissions/{asked.id}/accept", data={"csrf_token": token}).status_code == 404
    client.post("/logout", data={"csrf_token": token})
    login(client, world.other_bureau_user.username)
    assert "自荐项目" in client.get("/commissions").get_data(as_text=True)
    assert (
        client.post(
            f"/commissions/{asked.id}/accept", data={"csrf_token": csrf_token(client, "/commissions")}
        ).status_code
        == 303
    )
    session.expire_all()
    assert session.get(Commission, asked.id).status is CommissionStatus.accepted
    assert [c.id for c in commissions.open_commissions(session, world.firm.id)] == [asked.id, world.commission.id]


def test_the_bureau_may_decline_a_request_with_a_reason(session):
    world = factories.World(session)
    asked = commissions.request_commission(session, world.evaluator, world.bureau.name, "自荐项目", 2026, NOW)
    with pytest.raises(commissions.CommissionError, match="拒绝须说明原因"):
        commissions.decline(session, asked, world.bureau_user, NOW, "  ")
    commissions.decline(session, asked, world.bureau_user, NOW, "本年度无此预算")
    assert asked.status is CommissionStatus.declined and asked.note == "本年度无此预算"
    with pytest.raises(commissions.CommissionError):
        commissions.accept(session, asked, world.bureau_user, NOW)


@pytest.mark.usefixtures("readiness_waived")
def test_withdrawal_is_audited_and_the_firm_can_no_longer_issue(session, app):
    world = factories.World(session)
    commission = world.engagement.commission
    commissions.withdraw(session, commission, world.bureau_user, NOW, "项目取消")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "commission.withdraw"))
    assert event.engagement_id == world.engagement.id and event.details["reason"] == "项目取消"
    report = reporting.start_report(session, world.engagement, world.evaluator, NOW)
    reporting.submit(session, report, world.evaluator, NOW)
    reporting.approve(session, report, world.reviewer, NOW)
    from evalplatform.evidence.store import BlobStore

    with pytest.raises(reporting.ReportError, match="委托已撤回"):
        reporting.issue(
            session, report, BlobStore(app.config["STORAGE_DIR"]), world.reviewer, NOW, firm_name=world.firm.name
        )


def test_reassignment_moves_the_project_to_another_firm_on_the_record(session):
    world = factories.World(session)
    old = world.engagement.commission
    with pytest.raises(commissions.CommissionError, match="另一家事务所"):
        commissions.reassign(session, old, world.firm.name, world.bureau_user, NOW, "换所")
    new = commissions.reassign(
        session, old, world.other_firm.invitation_code, world.bureau_user, NOW, "原事务所人手不足"
    )
    assert old.status is CommissionStatus.withdrawn and new.is_accepted and new.replaces_id == old.id
    assert new.firm_id == world.other_firm.id and new.project_name == old.project_name
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "Commission", AuditEvent.object_id == str(old.id))
    ).all()
    assert actions[-2:] == ["commission.withdraw", "commission.reassign"]
    assert new in commissions.open_commissions(session, world.other_firm.id)


@pytest.mark.usefixtures("readiness_waived")
def test_once_a_report_is_issued_the_commission_stands(session, app):
    from evalplatform.evidence.store import BlobStore

    world = factories.World(session)
    report = reporting.start_report(session, world.engagement, world.evaluator, NOW)
    reporting.submit(session, report, world.evaluator, NOW)
    reporting.approve(session, report, world.reviewer, NOW)
    reporting.issue(
        session, report, BlobStore(app.config["STORAGE_DIR"]), world.reviewer, NOW, firm_name=world.firm.name
    )
    with pytest.raises(commissions.CommissionError, match="已出具评价报告，不能撤回"):
        commissions.withdraw(session, world.engagement.commission, world.bureau_user, NOW, "反悔")


def test_only_the_parties_see_a_commission_and_the_audit_office_sees_none(client, session):
    world = factories.World(session)
    auditor = factories.user(session, "auditor", bureau=world.bureau)
    session.commit()
    for user, visible in (
        (world.evaluator, True),
        (world.bureau_user, True),
        (world.outsider, False),
        (world.other_bureau_user, False),
    ):
        login(client, user.username)
        html = client.get("/commissions").get_data(as_text=True)
        assert (world.engagement.commission.project_name in html) is visible, user.username
        client.post("/logout", data={"csrf_token": csrf_token(client, "/commissions")})
    login(client, auditor.username)
    assert client.get("/commissions").status_code == 404


def test_commission_input_is_checked_and_nothing_half_done_is_kept(client, session):
    world = factories.World(session)
    login(client, world.bureau_user.username)
    before = count(session, Commission)
    for data, message in [
        ({"counterpart": "", "project_name": "x", "fiscal_year": "2025"}, "请填写对方的完整名称或邀请码"),
        ({"counterpart": "不存在的所", "project_name": "x", "fiscal_year": "2025"}, "未找到该事务所"),
        ({"counterpart": world.firm.name, "project_name": "x", "fiscal_year": "1999"}, "预算年度应在"),
        ({"counterpart": world.firm.name, "project_name": "长" * 300, "fiscal_year": "2025"}, "不超过 200"),
    ]:
        response = post_form(client, "/commissions", data)
        assert response.status_code == 303
        assert message in client.get("/commissions").get_data(as_text=True), data
    assert count(session, Commission) == before
